"""Throughput: gunicorn on loopback, concurrent signed-in clients, as a share of the floor.

    python -m benchmarks.throughput DATABASE_URL [--clients 20] [--seconds 30]
                                    [--workers N] [--rounds 1]

runs the portal under gunicorn (with the repository's gunicorn.conf.py) against a built bench
database and prints one JSON object. It first gives the bench accounts a random password for
the run (they are made with unusable ones), so use a copy of the database.

Every client signs in, then all of them read the floor page (the full signed-in layout and no
data queries) for the given time, then a mixed load: each client reads its account's pages in
turn. Requests per second on the mixed load as a share of the floor's is what is compared: a
machine that is busy the whole time slows both alike (``--rounds`` makes them take turns, for
a machine busy only some of the time). Any status other than 200, or a broken connection, is
an error.

The load generator is one asyncio loop with a minimal HTTP/1.1 client on keep-alive
connections, so that it takes little of the CPU the server needs: on a two-core machine the
client and the server share the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]  # wsgi.py and gunicorn.conf.py
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
HOST = "127.0.0.1"
FLOOR = "/accessibility"
STARTUP_SECONDS = 60
REQUEST_TIMEOUT = 60.0  # a response slower than this counts as an error
ERROR_SAMPLES = 5

_CSRF = re.compile(rb'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(rb'value="([^"]*)"')


class BenchError(RuntimeError):
    pass


# --- a minimal HTTP/1.1 client ------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]  # names in lower case
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        assert self.reader is not None
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head[:-4].decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = []
            length: int | None = None
            chunked = close = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                headers.append((name, value))
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding":
                    chunked = "chunked" in value.lower()
                elif name == "connection":
                    close = value.lower() == "close"
            if chunked:
                body = await self._chunked()
            elif length is not None:
                body = await self.reader.readexactly(length)
            else:
                body, close = await self.reader.read(), True
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return Response(status, headers, body)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Client:
    """One signed-in user agent: its cookies and the pages it reads in turn."""

    email: str
    password: str
    paths: list[str]
    offset: int = 0  # where in its paths it starts, so an account's clients spread out
    cookies: dict[str, str] = field(default_factory=dict)
    _requests: dict[str, bytes] = field(default_factory=dict)

    def get(self, path: str) -> bytes:
        raw = self._requests.get(path)
        if raw is None:
            raw = self._requests[path] = self._compose("GET", path)
        return raw

    def _compose(self, method: str, path: str, body: bytes = b"", form: bool = False) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def remember(self, response: Response) -> None:
        changed = False
        for name, value in response.headers:
            if name != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            key, _, cookie = pair.strip().partition("=")
            if cookie == "" or "max-age=0" in attributes.lower().replace(" ", ""):
                changed |= self.cookies.pop(key, None) is not None
            elif self.cookies.get(key) != cookie:
                self.cookies[key] = cookie
                changed = True
        if changed:
            self._requests.clear()

    async def sign_in(self, connection: Connection) -> None:
        page = await connection.request(self.get("/sign-in"))
        self.remember(page)
        tag = _CSRF.search(page.body)
        value = _VALUE.search(tag.group(0)) if tag else None
        if page.status != 200 or value is None:
            raise BenchError(f"GET /sign-in: {page.status}, no csrf_token found")
        form = {"email": self.email, "password": self.password, "csrf_token": value.group(1)}
        body = urlencode(form).encode()
        answer = await connection.request(self._compose("POST", "/sign-in", body, form=True))
        self.remember(answer)
        if answer.status != 302 or (answer.header("location") or "").endswith("/sign-in"):
            raise BenchError(
                f"signing in {self.email}: {answer.status}, not a redirect "
                "(a wrong email or password shows the form again)"
            )


# --- the load -----------------------------------------------------------------------------


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=dict)  # path -> [count, seconds]
    cpu: float = 0.0  # the load generator's CPU time in its runs, in seconds
    wall: float = 0.0  # and those runs' time

    @property
    def client_cpu(self) -> float:
        """The cores the load generator kept busy: little, so the server has the rest."""
        return self.cpu / self.wall if self.wall else 0.0

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(message)


async def _drive(
    client: Client,
    port: int,
    paths: list[str],
    start: float,
    end: float,
    tally: Tally,
    arrive: float = 0.0,
) -> None:
    """Reads ``paths`` in turn until ``end``, starting ``arrive`` seconds in; counts the 200s
    that finish from ``start`` on (before it is the warm-up). Errors count wherever."""
    connection = Connection(port)
    loop = asyncio.get_running_loop()
    index = client.offset
    await asyncio.sleep(arrive)
    try:
        while (began := loop.time()) < end:
            path = paths[index % len(paths)]
            index += 1
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    response = await connection.request(client.get(path))
            except (OSError, EOFError, asyncio.IncompleteReadError, TimeoutError) as error:
                tally.error(f"{path}: {type(error).__name__} {error}")
                await asyncio.sleep(0.05)  # a server that is gone refuses at once
                continue
            finished = loop.time()
            if response.status != 200:
                tally.error(f"{path}: {response.status}")
            elif start <= finished <= end:
                tally.requests += 1
                spent = tally.by_path.setdefault(path, [0, 0.0])
                spent[0] += 1
                spent[1] += finished - began
            client.remember(response)
    finally:
        connection.close()


async def _phase(
    clients: list[Client],
    port: int,
    floor_path: str | None,
    warm_up: float,
    seconds: float,
    tally: Tally,
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time() + warm_up
    end = start + seconds
    began_cpu, began = time.process_time(), loop.time()
    # Clients arrive one after another over the first half of the warm-up, as people do: a
    # burst of connections at once can land all on one worker (gthread keeps each connection
    # on the worker that accepted it), leaving the others idle for the whole run.
    gap = min(0.1, warm_up / 2 / len(clients))
    await asyncio.gather(
        *(
            _drive(
                client,
                port,
                [floor_path] if floor_path else client.paths,
                start,
                end,
                tally,
                arrive=number * gap,
            )
            for number, client in enumerate(clients)
        )
    )
    tally.cpu += time.process_time() - began_cpu
    tally.wall += loop.time() - began


async def _load(
    clients: list[Client], port: int, floor_path: str, warm_up: float, seconds: float, rounds: int
) -> tuple[Tally, Tally]:
    connection = Connection(port)
    try:
        for client in clients:  # one at a time: each sign-in writes (last signed in, audit)
            await client.sign_in(connection)
    finally:
        connection.close()
    floor, mixed = Tally(), Tally()
    for _ in range(rounds):
        await _phase(clients, port, floor_path, warm_up, seconds / rounds, floor)
        await _phase(clients, port, None, warm_up, seconds / rounds, mixed)
    return floor, mixed


# --- the server ---------------------------------------------------------------------------


def _check_instance_config() -> None:
    """instance/config.py overrides the environment (portal/config.py): a local one naming a
    database would send the benchmark's server to it instead."""
    local = ROOT / "instance" / "config.py"
    if local.exists() and "SQLALCHEMY_DATABASE_URI" in local.read_text():
        raise BenchError(f"{local} sets SQLALCHEMY_DATABASE_URI, overriding the database URL")


@dataclass
class Server:
    port: int
    workers: int
    log: IO[bytes]  # gunicorn's output, and the app's logged errors

    def log_tail(self, size: int = 3000) -> str:
        return _tail(self.log, size)


def _check_migrated(database_url: str) -> None:
    """A database behind the code's migrations answers some pages with errors: say so first."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    if current != heads:
        raise BenchError(
            f"the database is at migration {', '.join(sorted(current)) or 'none'}, the code at "
            f"{', '.join(sorted(heads))}: run `flask db upgrade` on it first"
        )


@contextmanager
def gunicorn(database_url: str, workers: int | None = None) -> Iterator[Server]:
    """gunicorn on a free loopback port, with the repository's configuration, once all its
    workers have loaded the app and /healthz answers; stopped (all its processes) after.

    Waiting for every worker matters: a worker that is still loading when the clients
    connect gets none of their keep-alive connections for the whole run."""
    _check_instance_config()
    count = _worker_count(workers)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(2048)
    port = listener.getsockname()[1]
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        # Production refuses to count sign-in guesses in each worker's own memory, and the
        # bench has no Redis to share them: development differs from production only there
        # and in cookies not marked Secure, which the bench's clients send all the same.
        "PORTAL_ENV": "development",
        "PORTAL_PUBLIC_URL": "https://homecare.bench.example",
        # Every client signs in from loopback: one address, far past a person's limit.
        "PORTAL_SIGN_IN_LIMIT_PER_ADDRESS": "100000 per minute",
        # Its clients sign in with a password alone (development may relax MFA).
        "PORTAL_MFA_REQUIRED": "false",
    }
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as log:
        ready = Path(folder, "ready")
        ready.mkdir()
        configuration = Path(folder, "gunicorn.conf.py")
        configuration.write_text(_READY_CONF.format(conf=str(GUNICORN_CONF), ready=str(ready)))
        command = [sys.executable, "-m", "gunicorn", "-c", str(configuration)]
        command += ["--bind", f"fd://{listener.fileno()}"]  # ours already: no race for it
        command += ["--workers", str(count), "--log-level", "warning", "wsgi:app"]
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=environment,
            pass_fds=[listener.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
        listener.close()
        try:
            _wait_ready(port, process, log, ready, count)
            yield Server(port, count, log)
        finally:
            _stop(process)


# The repository's gunicorn.conf.py, and a sign from each worker once it has loaded the app.
_READY_CONF = """\
import os as _os
import pathlib as _pathlib
import runpy as _runpy

globals().update(
    (k, v) for k, v in _runpy.run_path({conf!r}).items() if not k.startswith("__")
)
_then = globals().get("post_worker_init")


def post_worker_init(worker):
    if _then is not None:
        _then(worker)
    _pathlib.Path({ready!r}, str(_os.getpid())).touch()
"""


def _wait_ready(
    port: int, process: subprocess.Popen[bytes], log: IO[bytes], ready: Path, workers: int
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        if len(list(ready.iterdir())) < workers:
            time.sleep(0.1)
            continue
        try:
            with socket.create_connection((HOST, port), timeout=10) as sock:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                status = sock.recv(64).split(b"\r\n")[0].decode(errors="replace")
        except OSError:
            time.sleep(0.1)
            continue
        if status.startswith("HTTP/1.1 200"):
            return
        raise BenchError(f"GET /healthz: {status!r}\n{_tail(log)}")
    raise BenchError(f"gunicorn's {workers} workers were not ready within {STARTUP_SECONDS}s")


def _tail(log: IO[bytes], size: int = 3000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]


def _worker_count(asked: int | None) -> int:
    """The number gunicorn runs: the one asked for, or the configuration file's."""
    if asked is not None:
        return asked
    return int(runpy.run_path(str(GUNICORN_CONF))["workers"])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the group (a graceful stop), then KILL whatever is left of it."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        with suppress(ProcessLookupError):  # a worker that outlived the master goes too
            os.killpg(process.pid, signal.SIGKILL)
        break


# --- the measure --------------------------------------------------------------------------


def measure_throughput(
    database_url: str,
    *,
    sign_ins: list[tuple[str, str]],
    mixed_paths: dict[str, list[str]],
    floor_path: str = FLOOR,
    clients: int = 20,
    seconds: float = 30,
    workers: int | None = None,
    warm_up: float | None = None,
    rounds: int = 1,
) -> dict[str, Any]:
    """Requests per second on the floor page and on the mixed load, with ``clients``
    concurrent signed-in clients for ``seconds`` each, against gunicorn on loopback.

    ``sign_ins`` are (email, password) pairs, taken by the clients in turn; ``mixed_paths``
    maps an email to the pages that account reads. ``workers`` overrides gunicorn.conf.py's.
    Each timed run follows a warm-up of the same load (by default a tenth of the run,
    between 0.5 and 3 seconds): its requests are not counted, its errors are.

    With ``rounds`` above 1, the ``seconds`` of each load are split into that many runs, the
    floor's and the mixed load's taking turns, so that a machine busy with something else
    for part of the time slows both alike."""
    if not sign_ins:
        raise ValueError("sign_ins is empty: the clients need accounts")
    missing = [email for email, _ in sign_ins if not mixed_paths.get(email)]
    if missing:
        raise ValueError(f"no mixed_paths for {', '.join(missing)}")
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    if warm_up is None:
        warm_up = min(3.0, max(0.5, seconds / rounds / 10))
    plan = []
    for number in range(clients):
        email, password = sign_ins[number % len(sign_ins)]
        offset = number // len(sign_ins)
        plan.append(Client(email, password, list(mixed_paths[email]), offset=offset))
    _check_migrated(database_url)
    with gunicorn(database_url, workers) as server:
        # In a thread of its own: the caller may already be running an event loop (the
        # browser tests' Playwright does), and asyncio.run needs a thread without one.
        with ThreadPoolExecutor(max_workers=1) as runner:
            floor, mixed = runner.submit(
                asyncio.run, _load(plan, server.port, floor_path, warm_up, seconds, rounds)
            ).result()
        server_log = server.log_tail() if floor.errors or mixed.errors else ""
    floor_rps = floor.requests / seconds
    mixed_rps = mixed.requests / seconds
    return {
        "floor_rps": round(floor_rps, 1),
        "mixed_rps": round(mixed_rps, 1),
        "share_of_floor": round(mixed_rps / floor_rps, 3) if floor_rps else 0.0,
        "errors": floor.errors + mixed.errors,
        "clients": clients,
        "seconds": seconds,
        "rounds": rounds,
        "workers": server.workers,
        "client_cpu": [round(floor.client_cpu, 2), round(mixed.client_cpu, 2)],
        "mixed_paths_ms": {  # mean response time of each page under the mixed load
            path: round(spent / count * 1000, 1) for path, (count, spent) in mixed.by_path.items()
        },
        # Pages of the clients' accounts that no timed request read: none in a run long
        # enough for the load to go round, so any here means a client did not do its part.
        "unread_paths": sorted(
            {path for client in plan for path in client.paths} - mixed.by_path.keys()
        ),
        "error_samples": floor.samples + mixed.samples,
        "server_log": server_log,  # its end, when there were errors
    }


# --- the bench database's accounts --------------------------------------------------------


def prepare_accounts(
    database_url: str, load: dict[int, list[str]]
) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """Gives the accounts ``load`` names (user id -> the pages it reads) a random password
    for this run; returns their sign-ins and their pages by email."""
    from portal import create_app
    from portal.accounts.models import User
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    password = secrets.token_urlsafe(16)
    pages: dict[str, list[str]] = {}
    with app.app_context():
        for user_id, paths in load.items():
            user = db.session.get(User, user_id)
            if user is None:
                raise BenchError(f"no account {user_id}: is this a bench database?")
            user.set_password(password)
            pages[user.email] = paths
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return [(email, password) for email in pages], pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=1, help="Floor and mixed take turns.")
    arguments = parser.parse_args(argv)
    from benchmarks.measure import Council, mixed_load

    load = mixed_load(Council.open(arguments.database_url))
    sign_ins, pages = prepare_accounts(arguments.database_url, load)
    result = measure_throughput(
        arguments.database_url,
        sign_ins=sign_ins,
        mixed_paths=pages,
        clients=arguments.clients,
        seconds=arguments.seconds,
        workers=arguments.workers,
        rounds=arguments.rounds,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
