"""The nightly refresh of the dashboard's kept figures, racing a writer that changes what a
month was counted from, through real connections: the month kept afterwards is never the
one counted before the writer's change."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.common import stored_figures
from portal.common.dates import today
from portal.extensions import db
from portal.providers.models import PackageLine, ServiceUser
from portal.reports import stored
from tests.integration.test_races import racing_app  # noqa: F401 - the fixture

MONTH = (today().replace(day=1) - dt.timedelta(days=100)).replace(day=1)


def _lines_in_month() -> tuple[int | None, int]:
    """Table B's package lines in MONTH as kept (None if not kept), and counted afresh."""
    window = stored.whole_month(MONTH)
    kept = stored_figures.read("packages.people_and_lines", [MONTH]).get(MONTH)
    afresh = stored.FIGURES["packages.people_and_lines"].count([window])[0]
    return (None if kept is None else kept.get("lines", 0)), afresh.get("lines", 0)


def test_a_refresh_never_keeps_a_month_counted_before_a_writer_changed_it(
    racing_app: tuple[Any, list[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    app, _ = racing_app
    with app.app_context():
        # The month not kept (forgotten by an earlier change): the refresh will count it.
        stored.refresh()
        stored_figures.forget(stored_figures.PACKAGES, since=MONTH)
        db.session.commit()
        kept, before = _lines_in_month()
        assert kept is None
        person = db.session.scalars(select(ServiceUser).order_by(ServiceUser.id)).first()
        assert person is not None
        person_id, provider_id = person.id, person.provider_id
        db.session.remove()
    forgotten, refreshing = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        # A new line from MONTH on, and the kept months from then forgotten (none are),
        # held uncommitted while the refresh starts.
        with app.app_context():
            try:
                db.session.add(
                    PackageLine(
                        service_user_id=person_id,
                        provider_id=provider_id,
                        calls_per_day=1,
                        minutes_per_call=30,
                        hourly_rate_pence=2000,
                        start_date=MONTH,
                    )
                )
                stored_figures.forget(stored_figures.PACKAGES, since=MONTH)
                db.session.flush()
                forgotten.set()
                refreshing.wait(10)
                time.sleep(0.5)  # the refresh is counting, or waiting for this to commit
                db.session.commit()
            except BaseException as error:  # pragma: no cover - reported below
                failures.append(error)
                forgotten.set()
            finally:
                db.session.remove()

    def refresher() -> None:
        forgotten.wait(10)
        with app.app_context():
            try:
                refreshing.set()
                stored.refresh()
                db.session.commit()
            except OperationalError:
                # SQLite: a refresh that read before the writer's commit cannot write; the
                # next night's keeps the month.
                db.session.rollback()
            except BaseException as error:  # pragma: no cover - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer), threading.Thread(target=refresher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    with app.app_context():
        kept, afresh = _lines_in_month()
        assert afresh == before + 1
        # Kept as counted after the writer's change, or not kept (counted when read).
        assert kept in (None, afresh)
        db.session.remove()
