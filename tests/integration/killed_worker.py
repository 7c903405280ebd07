"""A worker for test_killed_workers.py, run as its own process: it does one operation the
way production does it (a request through the app, or the nightly `flask` command) and
kills itself with SIGKILL the moment a chosen function of the portal is called, as the
kernel's OOM killer or a redeploy would, with no chance to roll back or clean up.

    python -m tests.integration.killed_worker DATABASE_URL KILL_AT OPERATION ARGS...

KILL_AT is ``path/of/file.py:function`` (the file's path ends so), or ``-`` to run to the
end. Before the operation starts it prints the database's fingerprint, taken after its own
sign-in (which is not the operation's doing), on a line of its own.

The hook is a profile function set here, in the test's process only: the portal's code has
no test-only flag or slow path for it.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from portal.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.integration.fingerprint import fingerprint
from tests.integration.test_outcome_upload import _csv, _fill

FINGERPRINT = "fingerprint:"


def kill_at(where: str) -> None:
    """SIGKILL this process when the function ``where`` names is first called."""
    path, _, name = where.partition(":")

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if (
            event == "call"
            and frame.f_code.co_name == name
            and frame.f_code.co_filename.endswith(path)
        ):
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    threading.setprofile(profile)
    sys.setprofile(profile)


def _signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    return client


def _upload(app: Any, email: str, period_id: str) -> Callable[[], int]:
    """A provider manager uploads the quarter's template, every row filled in."""
    client = _signed_in(app, email)
    template = client.get(f"/outcome-periods/{period_id}/upload-template.csv")
    rows = [_fill(row) for row in csv.DictReader(io.StringIO(template.get_data(as_text=True)))]

    def run() -> int:
        response = client.post(
            f"/outcome-periods/{period_id}/upload",
            data={"file": (io.BytesIO(_csv(rows)), "returns.csv"), "confirm": "y"},
            content_type="multipart/form-data",
        )
        return 0 if response.status_code == 302 else 1

    return run


def _button(path: str) -> Callable[[Any, str, str], Callable[[], int]]:
    """A button pressed on the record ``path`` names by its id: a finance officer exporting
    a batch, a commissioner confirming an import already previewed."""

    def signed_in(app: Any, email: str, record_id: str) -> Callable[[], int]:
        client = _signed_in(app, email)

        def run() -> int:
            return 0 if client.post(path.format(record_id)).status_code == 302 else 1

        return run

    return signed_in


_export = _button("/payments/batches/{}/export")
_apply = _button("/case-system/imports/{}/apply")


def _import(app: Any, file: str) -> Callable[[], int]:
    """The nightly job: ``flask import package-lines FILE`` (a full extract)."""

    def run() -> int:
        result = app.test_cli_runner().invoke(args=["import", "package-lines", file])
        sys.stdout.write(result.output)
        return int(result.exit_code)

    return run


def main(url: str, where: str, operation: str, *args: str) -> int:
    app = make_app(url)
    operations = {"upload": _upload, "export": _export, "import": _import, "apply": _apply}
    run = operations[operation](app, *args)
    with app.app_context():
        print(FINGERPRINT, fingerprint(), flush=True)
        db.session.remove()
    if where != "-":
        kill_at(where)
    return run()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
