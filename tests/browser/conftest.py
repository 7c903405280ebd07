"""A live portal for headless Chromium: its own migrated database, seeded for the loop, served
by a real HTTP server with CSRF protection on, and a fresh browser context for each test."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal.extensions import db
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import ErrorRecorder, LiveServer, Seed, seed_database
from tests.conftest import make_app
from tests.databases import create_database, drop_database

CHROMIUM = "/usr/bin/chromium"  # Debian's; there is no network to download Playwright's
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, whether or not its module says so."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def closed_when_sent(app: Flask) -> Any:
    """``app`` as a WSGI application whose responses are closed as soon as their last byte
    is written, as gunicorn closes them. Werkzeug's development server closes a response
    only after draining the connection, and skips the close when the browser has already
    reset it (as Chromium may after following a redirect): the callbacks a response runs
    on close, such as sending the email a request wrote, would then never run."""

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return application


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = create_database(tmp_path_factory.mktemp("browser-db"), "browser")
    try:
        migrator = make_app(url)
        with migrator.app_context():
            flask_migrate.upgrade()  # the real migrations, never create_all
            db.engine.dispose()

        # CSRF protection on, as in production: every form the browser sends needs its token.
        app: Flask = make_app(url, WTF_CSRF_ENABLED=True)
        with app.app_context():
            seed = seed_database()
            db.session.remove()

        server = LiveServer(url="", seed=seed, app=app)
        recorder = ErrorRecorder(server.errors)
        logging.getLogger("werkzeug").addHandler(recorder)
        http = make_server("127.0.0.1", 0, closed_when_sent(app), threaded=True)
        server.url = f"http://127.0.0.1:{http.server_port}"
        thread = threading.Thread(target=http.serve_forever, name="live-portal", daemon=True)
        thread.start()
        try:
            yield server
        finally:
            http.shutdown()
            thread.join(timeout=10)
            http.server_close()
            logging.getLogger("werkzeug").removeHandler(recorder)
            with app.app_context():
                db.engine.dispose()
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def chromium() -> Iterator[PlaywrightBrowser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)  # only this run's pages
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest,
    chromium: PlaywrightBrowser,
    live_server: LiveServer,
    screenshots: Path,
) -> Iterator[BrowserFactory]:
    """Opens a fresh browser context (no cookies, no history) on the live portal. ``name``
    starts its screenshots' file names (the test's name by default); Playwright context
    options such as ``viewport`` change the context."""
    opened: list[tuple[Any, Browser]] = []
    errors_before = len(live_server.errors)
    test_name = request.node.name.removeprefix("test_").replace("_", "-")

    def _open(name: str | None = None, **context_options: Any) -> Browser:
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(
            base_url=live_server.url, accept_downloads=True, **context_options
        )
        context.set_default_timeout(10_000)
        name = name or (test_name if not opened else f"{test_name}-{len(opened) + 1}")
        browser = Browser(context.new_page(), screenshots=screenshots, name=name)
        opened.append((context, browser))
        return browser

    yield _open
    try:
        for _context, browser in opened:
            browser.finish()
        new_errors = live_server.errors[errors_before:]
        assert not new_errors, "the app raised exceptions:\n" + "\n".join(new_errors)
    finally:
        for context, _browser in opened:
            context.close()


@pytest.fixture
def browser(open_browser: BrowserFactory) -> Browser:
    """A fresh browser context at a desktop width."""
    return open_browser()


@pytest.fixture
def seed(live_server: LiveServer) -> Seed:
    return live_server.seed
