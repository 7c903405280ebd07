"""The throughput benchmark, briefly: gunicorn (with gunicorn.conf.py) against a small bench
database of the test's own, since a separate server cannot see a test's transaction."""

from __future__ import annotations

from pathlib import Path

import flask_migrate

from benchmarks.measure import Council, mixed_load
from benchmarks.scale import Scale, build
from benchmarks.throughput import measure_throughput, prepare_accounts
from portal import create_app
from portal.extensions import db
from tests.databases import create_database, drop_database


def test_signed_in_clients_read_the_floor_and_the_mixed_pages_without_errors(
    tmp_path: Path,
) -> None:
    url = create_database(tmp_path, "throughput")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "tests-only"})
        with app.app_context():
            flask_migrate.upgrade()
            build(Scale().smaller(200))
            db.session.commit()
            db.engine.dispose()
        sign_ins, pages = prepare_accounts(url, mixed_load(Council.open(url)))
        assert len(sign_ins) == 4

        result = measure_throughput(
            url,
            sign_ins=sign_ins,
            mixed_paths=pages,
            clients=2,
            seconds=1,
            workers=2,
            warm_up=0.3,
        )

        assert result["errors"] == 0, result["error_samples"]
        assert result["floor_rps"] > 0
        assert result["mixed_rps"] > 0
        share = result["mixed_rps"] / result["floor_rps"]
        assert abs(result["share_of_floor"] - share) < 0.01
        assert result["clients"] == 2
        assert result["workers"] == 2
        # Both clients' accounts were signed in: each read its own pages.
        assert set(result["mixed_paths_ms"]) == {*pages[sign_ins[0][0]], *pages[sign_ins[1][0]]}
    finally:
        drop_database(url)
