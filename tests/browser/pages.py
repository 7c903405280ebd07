"""A browser a test drives like a person would, checking every page it lands on.

Each way of reaching a page (``goto``, ``click_and_wait``, ``press_and_wait`` and the
shortcuts built on them) waits for the new page to load and then, before returning:

* runs axe-core against WCAG 2.2 AA and Deque's best practice rules (all but "region"),
  failing with a readable list of violations;
* saves a full-page screenshot of each distinct page to ``test-artifacts/screenshots/``.

As a safety net the browser also notes every page load; when the test ends, ``finish``
fails if a page loaded without being checked (a navigation the test made behind the
helper's back), if any request answered with an HTTP error, if a script on a page threw, or
if the Content-Security-Policy refused anything on a page (a script or style it would block).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Locator, Page, Response

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practice rules but one.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    # "region" (best practice, not WCAG) wants everything inside a landmark, but the GOV.UK
    # template puts the back link, and the portal its "Signed in as" line, between the
    # header and <main>, where the design system says a back link belongs.
    "rules": {"region": {"enabled": False}},
    "resultTypes": ["violations"],
}

_axe = Axe()


def axe_report(violations: list[dict[str, Any]]) -> str:
    """Violations as a person would want to read them: rule, impact, what it means, where."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']}\n  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip()
            for detail in summary.splitlines():
                lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


class Browser:
    """One browser tab in a fresh context, with the checks above on every page."""

    def __init__(self, page: Page, *, screenshots: Path, name: str) -> None:
        self.page = page
        self._screenshots = screenshots
        self._name = name
        self._loaded: list[str] = []  # pages loaded since the last check
        self._missed: list[str] = []  # pages a later page replaced before they were checked
        self._photographed: set[tuple[str, str]] = set()
        self._http_errors: list[str] = []
        self._script_errors: list[str] = []
        page.on("load", lambda loaded: self._loaded.append(loaded.url))
        page.on("response", self._on_response)
        page.on("pageerror", lambda error: self._script_errors.append(f"{page.url}: {error}"))
        page.on("console", self._on_console)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self._http_errors.append(f"{response.status} {response.request.method} {response.url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        # Chromium reports each thing the Content-Security-Policy refused as a console error.
        if message.type == "error" and "Content Security Policy" in message.text:
            self._script_errors.append(f"{self.page.url}: {message.text}")

    # Reaching a page ----------------------------------------------------------------------

    def goto(self, path: str) -> None:
        """Type an address into the address bar."""
        self.page.goto(path)
        self.check_page()

    def click_and_wait(self, locator: Locator) -> None:
        """Click something that leads to a new page (a link, or a form's button)."""
        with self.page.expect_navigation():
            locator.click()
        self.check_page()

    def press_and_wait(self, key: str) -> None:
        """Press a key that leads to a new page, such as Enter in a form."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check_page()

    def click_link(self, name: str | re.Pattern[str], *, exact: bool = True) -> None:
        self.click_and_wait(self.page.get_by_role("link", name=name, exact=exact))

    def click_button(self, name: str | re.Pattern[str], *, exact: bool = True) -> None:
        self.click_and_wait(self.page.get_by_role("button", name=name, exact=exact))

    def open_from_menu(self, name: str) -> None:
        """Follow one of the service navigation's links; for a section the menu's row has
        no room for, follow "More" and then the section's link, as a person would."""
        menu = self.page.get_by_role("navigation", name="Menu")
        link = menu.get_by_role("link", name=name, exact=True)
        if not link.count():
            self.click_and_wait(menu.get_by_role("link", name="More", exact=True))
            self.expect_heading("All sections")
            link = self.page.get_by_role("main").get_by_role("link", name=name, exact=True)
        self.click_and_wait(link)

    # Checks -------------------------------------------------------------------------------

    def check_page(self) -> None:
        """Check the page now showing for accessibility and photograph it. Call it directly
        after changing a page in place (opening a menu, say) to check that state too."""
        self._take_loads()
        url = self.page.url
        results = _axe.run(self.page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        self._screenshot()
        assert not violations, (
            f"axe-core found {len(violations)} accessibility problem(s) on {url} "
            f"({self.heading()!r}):\n{axe_report(violations)}"
        )

    def _screenshot(self) -> None:
        """One photograph of each distinct page: the same address showing the same words
        again (a page reloaded, or reached twice) is not taken again."""
        seen = (self.page.url, self.text())
        if seen in self._photographed:
            return
        self._photographed.add(seen)
        title = self.page.title().split(" – ")[0]
        number = len(self._photographed)
        path = self._screenshots / f"{self._name}-{number:02d}-{_slug(title)}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def _take_loads(self) -> None:
        """Note the pages loaded since the last check: the newest is about to be checked,
        any before it were replaced unchecked."""
        self.page.evaluate("0")  # a round trip, so load events on their way arrive first
        self._missed.extend(self._loaded[:-1])
        self._loaded.clear()

    def answered(self, status: int) -> None:
        """The page now showing came with ``status``, an error the test meant to reach (a
        429, say): it is not counted among the unexpected HTTP errors."""
        assert self._http_errors, "no error answered"
        last = self._http_errors.pop()
        assert last.startswith(f"{status} "), last

    def finish(self) -> None:
        """Called when the test ends: every page loaded was checked and nothing went wrong."""
        if not self.page.is_closed():
            self.page.evaluate("0")
        unchecked = self._missed + self._loaded
        assert not unchecked, (
            "pages loaded without the accessibility check (reach pages through the Browser "
            f"helper's goto, click_and_wait or press_and_wait): {unchecked}"
        )
        assert not self._http_errors, f"HTTP errors: {self._http_errors}"
        assert not self._script_errors, f"script errors: {self._script_errors}"

    # Reading the page ---------------------------------------------------------------------

    def heading(self) -> str:
        headings = self.page.locator("h1")
        return headings.first.inner_text().strip() if headings.count() else ""

    def text(self) -> str:
        """The page's visible words on one line."""
        return re.sub(r"\s+", " ", self.page.locator("body").inner_text()).strip()

    def expect_heading(self, expected: str) -> None:
        """The page's main heading is ``expected``; if not, say what the page shows instead,
        including any error summary, so a failed form submission explains itself."""
        actual = self.heading()
        if actual == expected:
            return
        summary = self.page.locator(".govuk-error-summary")
        problems = summary.inner_text() if summary.count() else "no error summary"
        raise AssertionError(
            f"expected the page {expected!r} but {self.page.url} shows {actual!r} ({problems})"
        )

    def success_banner(self) -> str:
        banner = self.page.locator(".govuk-notification-banner--success")
        assert banner.count() == 1, f"no success banner on {self.page.url}"
        return re.sub(r"\s+", " ", banner.inner_text()).strip()

    def page_width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def focused(self, script: str = "el => el.id") -> Any:
        """Something about the element that has the keyboard focus (its id by default)."""
        return self.page.evaluate(
            f"(() => {{ const f = {script}; return f(document.activeElement); }})()"
        )


BrowserFactory = Callable[..., Browser]
