"""The throughput benchmark's load, briefly: gunicorn (with gunicorn.conf.py) against a small
bench database of the test's own, since a separate server cannot see a test's transaction.

How many requests a second's window gets through, and so which pages it reaches, depends on
the machine and on what else it is doing: that is the benchmark's to measure (`make bench`,
thirty seconds a load, which also checks that every page is read). This test asserts only
what holds on any machine: the clients sign in, every request they make is answered (errors
count whenever a request finishes, in the window or not), and the report has its shape."""

from __future__ import annotations

from pathlib import Path

import flask_migrate

from benchmarks.measure import Council, mixed_load
from benchmarks.scale import Scale, build
from benchmarks.throughput import measure_throughput, prepare_accounts
from portal import create_app
from portal.extensions import db
from tests.databases import create_database, drop_database

REPORT = {
    "floor_rps",
    "mixed_rps",
    "share_of_floor",
    "errors",
    "clients",
    "seconds",
    "rounds",
    "workers",
    "client_cpu",
    "mixed_paths_ms",
    "unread_paths",
    "error_samples",
    "server_log",
}


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

        assert set(result) == REPORT
        assert result["errors"] == 0, result["error_samples"]
        assert result["error_samples"] == []
        assert result["server_log"] == ""
        assert result["clients"] == result["workers"] == 2
        assert result["seconds"] == result["rounds"] == 1
        assert result["floor_rps"] >= 0
        assert result["mixed_rps"] >= 0
        share = result["mixed_rps"] / result["floor_rps"] if result["floor_rps"] else 0.0
        assert abs(result["share_of_floor"] - share) < 0.01
        # Each page the two clients' accounts read is either timed or reported unread,
        # never both and never another account's: which it is depends on the machine.
        read, unread = set(result["mixed_paths_ms"]), set(result["unread_paths"])
        assert read | unread == {*pages[sign_ins[0][0]], *pages[sign_ins[1][0]]}
        assert not read & unread
    finally:
        drop_database(url)
