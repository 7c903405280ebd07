"""The application factory: settings, extensions, blueprints and commands put together.

It sits above every part of the portal (the import contracts in pyproject.toml): it may
import any of them, and none of them imports it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from portal.common.database import LARGEST_ID
from portal.config import load_config
from portal.extensions import csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "portal",  # the package: its folders, logger and name, as before the factory moved
        instance_relative_config=True,
        template_folder="common/templates",
        static_folder="static",
    )
    # Every <int:...> in an address is a record's id, a 32-bit integer on PostgreSQL: a
    # larger number matches no route (404) rather than reaching the database.
    app.url_map.converters["int"] = RecordId
    app.config.from_mapping(load_config(app.instance_path, test_config))
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]

    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,  # type: ignore[list-item]
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory())
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    WTFormsHelpers(app)
    from portal.notifications.email import mail

    mail.init_app(app)

    from portal.accounts import sessions
    from portal.common import database, errors, security, templating

    database.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    from portal.audit import requests as audited_requests

    audited_requests.init_app(app)

    from portal.accounts.mfa.views import bp as mfa_bp
    from portal.accounts.session_views import bp as own_sessions_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.administration.passwords import bp as passwords_bp
    from portal.administration.trail.views import bp as audit_bp
    from portal.administration.views import bp as administration_bp
    from portal.api.docs import bp as api_docs_bp
    from portal.api.key_views import bp as api_keys_bp
    from portal.capacity.views import bp as capacity_bp
    from portal.caseload.views import bp as caseload_bp
    from portal.casework.register import bp as register_bp
    from portal.casework.views import bp as casework_bp
    from portal.common.views import bp as common_bp
    from portal.council.views import bp as council_bp
    from portal.outcomes.period_views import bp as periods_bp
    from portal.outcomes.views import bp as outcomes_bp
    from portal.payments.views import bp as payments_bp
    from portal.providers.views import bp as providers_bp
    from portal.recommendations.views import bp as recommendations_bp
    from portal.reports.views import bp as reports_bp

    for blueprint in (
        common_bp,
        accounts_bp,
        mfa_bp,
        own_sessions_bp,
        administration_bp,
        passwords_bp,
        providers_bp,
        outcomes_bp,
        periods_bp,
        recommendations_bp,
        payments_bp,
        casework_bp,
        register_bp,
        council_bp,
        capacity_bp,
        caseload_bp,
        audit_bp,
        reports_bp,
        api_keys_bp,
        api_docs_bp,
    ):
        app.register_blueprint(blueprint)
    from portal.api import v1 as api_v1

    api_v1.init_app(app)

    from portal.administration.commands import accounts_cli

    app.cli.add_command(accounts_cli)
    from portal.demo.commands import demo_cli

    app.cli.add_command(demo_cli)
    from portal.notifications.commands import email_cli

    app.cli.add_command(email_cli)
    from portal.caseload.commands import import_cli

    app.cli.add_command(import_cli)
    from portal.casework.commands import retention_cli

    app.cli.add_command(retention_cli)
    from portal.recommendations.commands import reductions_cli

    app.cli.add_command(reductions_cli)
    from portal.reports.commands import reports_cli

    app.cli.add_command(reports_cli)
    return app


class RecordId(IntegerConverter):
    """A whole number from 0 to the largest id a record may have."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def _migrations_directory() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
