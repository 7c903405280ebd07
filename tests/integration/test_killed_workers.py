"""A worker killed in the middle of an upload, the case system's import (the nightly
command, or a commissioner confirming a preview) or a batch export leaves nothing
half-written, and the operation then runs again to completion.

Each operation runs in a process of its own (tests/integration/killed_worker.py) against a
database of its own, made by the migrations, and is SIGKILLed at a chosen call in the
portal's code: once its first rows are written but before the rest (returns drafted but not
yet submitted; payments moved to exported and the CSV payment list written but not the
Excel one; the extract's people and lines written but the import not yet marked applied),
and once as it commits. The database is then exactly as it was before the operation (its
fingerprint, tests/integration/fingerprint.py), and running the operation again does all of
it. On SQLite the next connection rolls the killed transaction back from the journal; on
PostgreSQL the server does when the connection drops.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.caseload import operations as caseload
from portal.caseload.extract import LAYOUT
from portal.caseload.models import CaseloadImport, ImportStatus
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.sheets import read_table
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.payments import operations as payments
from portal.payments.models import BatchFile, BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.providers.models import PackageLine
from tests.conftest import make_app
from tests.databases import create_database, drop_database
from tests.fixtures import build_world
from tests.integration.caseload_files import extract_csv, person_row
from tests.integration.fingerprint import fingerprint
from tests.integration.killed_worker import FINGERPRINT
from tests.integration.test_finance import _approved_payment, _person

ROOT = Path(__file__).resolve().parents[2]
COMMITTING = "sqlalchemy/orm/session.py:commit"
PEOPLE = 12


@dataclass
class Database:
    url: str
    app: Flask
    folder: Path
    # What the tests need of the world, read while it was made.
    provider_manager: str  # an email address
    commissioner: str
    finance_officer: str
    finance_officer_id: int
    period_id: int
    supplier_reference: str

    def worker(self, kill_at: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own module, our own database
            [sys.executable, "-m", "tests.integration.killed_worker", self.url, kill_at, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def read(self, query: Callable[[], Any]) -> Any:
        with self.app.app_context():
            try:
                return query()
            finally:
                db.session.remove()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated database holding the tests' world and a dozen more of the provider's
    people, each with a package line and an approved payment."""
    url = create_database(tmp_path, "killed")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            world = build_world(db.session)
            for _ in range(PEOPLE):
                _approved_payment(world, _person(world.provider))
            db.session.commit()
            made = Database(
                url,
                app,
                tmp_path,
                provider_manager=world.users[Role.PROVIDER_MANAGER].email,
                commissioner=world.users[Role.COMMISSIONER].email,
                finance_officer=world.users[Role.FINANCE_OFFICER].email,
                finance_officer_id=world.users[Role.FINANCE_OFFICER].id,
                period_id=world.period.id,
                supplier_reference=world.provider.supplier_reference,
            )
            db.session.remove()
        yield made
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def _killed_leaves_nothing(database: Database, midway: str, *args: str) -> None:
    """The worker is killed midway, then again as it commits, and each time the database is
    as the worker found it."""
    for kill_at in (midway, COMMITTING):
        killed = database.worker(kill_at, *args)
        assert killed.returncode == -9, f"not killed at {kill_at}: {killed.stdout}{killed.stderr}"
        printed = [line for line in killed.stdout.splitlines() if line.startswith(FINGERPRINT)]
        assert printed, killed.stderr
        found_before = printed[0].removeprefix(FINGERPRINT).strip()
        assert database.read(fingerprint) == found_before, f"half written, killed at {kill_at}"


def _completes(database: Database, *args: str) -> None:
    done = database.worker("-", *args)
    assert done.returncode == 0, done.stdout + done.stderr


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_an_upload_killed_midway_saves_no_return_and_runs_again(database: Database) -> None:
    upload = ("upload", database.provider_manager, str(database.period_id))
    _killed_leaves_nothing(database, "portal/outcomes/submission.py:submit_returns", *upload)
    assert database.read(lambda: _count(OutcomeReturn)) == 0

    _completes(database, *upload)
    submitted = database.read(
        lambda: _count(OutcomeReturn, OutcomeReturn.status == ReturnStatus.SUBMITTED)
    )
    assert submitted == PEOPLE + 1  # the world's person and the dozen
    assert database.read(lambda: _count(OutcomeReturn)) == submitted


def test_an_export_killed_midway_leaves_the_batch_open_with_no_file_and_runs_again(
    database: Database,
) -> None:
    def batched() -> int:
        officer = db.session.get(User, database.finance_officer_id)
        batch = payments.create_batch(provider_id=None, by=officer)
        db.session.commit()
        return int(batch.id)

    batch_id = database.read(batched)
    export = ("export", database.finance_officer, str(batch_id))
    _killed_leaves_nothing(database, "portal/payments/exports.py:payment_list_xlsx", *export)

    def state() -> tuple[Any, int, set[PaymentStatus]]:
        batch = db.session.get(PaymentBatch, batch_id)
        assert batch is not None
        statuses = set(
            db.session.scalars(select(Payment.status).where(Payment.batch_id == batch_id))
        )
        return batch.status, _count(BatchFile), statuses

    assert database.read(state) == (BatchStatus.OPEN, 0, {PaymentStatus.BATCHED})

    _completes(database, *export)
    assert database.read(state) == (BatchStatus.EXPORTED, 2, {PaymentStatus.EXPORTED})
    assert database.read(lambda: _count(Payment, Payment.batch_id == batch_id)) == PEOPLE


def _extract(database: Database) -> Path:
    ours = database.supplier_reference
    rows = [person_row(f"K{n}", ours, f"KL{n}") for n in range(40)]
    file = database.folder / "extract.csv"
    file.write_bytes(extract_csv(rows))
    return file


def test_an_import_killed_midway_is_not_applied_and_runs_again(database: Database) -> None:
    extract = ("import", str(_extract(database)))
    lines = database.read(lambda: _count(PackageLine))
    _killed_leaves_nothing(database, "portal/caseload/operations.py:_decided", *extract)
    assert database.read(lambda: _count(CaseloadImport)) == 0
    assert database.read(lambda: _count(PackageLine)) == lines

    _completes(database, *extract)
    statuses = database.read(lambda: list(db.session.scalars(select(CaseloadImport.status))))
    assert statuses == [ImportStatus.APPLIED]
    # Forty lines started; a full extract ends the lines it leaves out (each of the world's
    # and the dozen's), so they are kept, ended, not removed.
    assert database.read(lambda: _count(PackageLine)) == lines + 40
    ended = database.read(lambda: _count(PackageLine, PackageLine.end_date.is_not(None)))
    assert ended == lines


def test_confirming_a_preview_killed_midway_leaves_it_previewed_and_runs_again(
    database: Database,
) -> None:
    """The commissioner's way: the preview is kept, and a confirmation killed midway leaves
    it waiting to be applied, not applied."""
    file = _extract(database)

    def previewed() -> int:
        checked = caseload.check_file(
            read_table(file.name, file.read_bytes(), LAYOUT), extract_date=today(), full=True
        )
        preview = caseload.record_preview(
            checked, file_name=file.name, extract_date=today(), full=True, by=None
        )
        db.session.commit()
        return int(preview.id)

    import_id = database.read(previewed)
    confirm = ("apply", database.commissioner, str(import_id))
    lines = database.read(lambda: _count(PackageLine))
    _killed_leaves_nothing(database, "portal/caseload/operations.py:_decided", *confirm)
    status = database.read(lambda: db.session.get(CaseloadImport, import_id).status)
    assert status == ImportStatus.PREVIEWED
    assert database.read(lambda: _count(PackageLine)) == lines

    _completes(database, *confirm)
    status = database.read(lambda: db.session.get(CaseloadImport, import_id).status)
    assert status == ImportStatus.APPLIED
    assert database.read(lambda: _count(PackageLine)) == lines + 40
