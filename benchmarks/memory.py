"""Peak memory growth while a 100,000-payment batch is exported, in a process of its own so
nothing before the export hides its peak.

    python -m benchmarks.memory DATABASE_URL [PAYMENTS]

prints one JSON object. The batch is made with plain SQL (it is not what is measured) in a
transaction that is rolled back after."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.measure import FINANCE_OFFICER
from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.payments.operations import export_batch


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the peak resident size (VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


class _AnonymousPeak(threading.Thread):
    """The highest anonymous resident memory (RssAnon) seen, read every millisecond while
    the export runs. VmHWM also counts the database file's pages SQLite maps into memory
    (portal/common/database.py), which are the operating system's cache of the file, shared
    and reclaimable, not memory the export holds."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _status_kb("RssAnon")
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _status_kb("RssAnon"))
            time.sleep(0.001)

    def stop(self) -> int:
        self.running = False
        self.join()
        return max(self.peak, _status_kb("RssAnon"))


def measure(url: str, payments: int) -> dict[str, Any]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        available = db.session.scalar(select(func.count(Payment.id))) or 0
        size = min(payments, available)
        batch = PaymentBatch(
            reference="PB-BENCH", status=BatchStatus.OPEN, created_by_id=FINANCE_OFFICER
        )
        db.session.add(batch)
        db.session.flush()
        db.session.execute(
            text(
                "UPDATE payments SET batch_id = :batch, status = :status WHERE id IN "
                "(SELECT id FROM payments ORDER BY id DESC LIMIT :size)"
            ),
            {"batch": batch.id, "status": PaymentStatus.BATCHED.value, "size": size},
        )
        finance = db.session.get(User, FINANCE_OFFICER)
        assert finance is not None
        db.session.expire_all()
        batch = db.session.get(PaymentBatch, batch.id)  # type: ignore[assignment]
        _reset_peak()
        before, anonymous_before = _status_kb("VmRSS"), _status_kb("RssAnon")
        sampler = _AnonymousPeak()
        sampler.start()
        started = time.perf_counter()
        export_batch(batch, by=finance)
        db.session.flush()
        seconds = time.perf_counter() - started
        anonymous_peak = sampler.stop()
        peak = _status_kb("VmHWM")
        db.session.rollback()
    return {
        "rows": size,
        "export_seconds": round(seconds, 2),
        "peak_memory_growth_mb": round((anonymous_peak - anonymous_before) / 1024, 1),
        "peak_resident_growth_mb": round((peak - before) / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000)))
