"""``make loadtest``: the portal under load on two instances sharing PostgreSQL and Redis.

    python -m loadtest.run DATABASE_URL [--seconds 75] [--workers N] [--scale 1]

(``make loadtest`` gives it a throwaway PostgreSQL from scripts/with-postgres.sh.) It starts
a throwaway Redis on loopback, migrates the database and loads the demo council, adds one
account per virtual user with its authenticator key (loadtest/accounts.py), then starts two
gunicorn instances (the repository's gunicorn.conf.py and wsgi.py) on two loopback ports in
**production** configuration: a strong random secret key shared by both, an https public
address, multi-factor sign-in required, and the rate limits counted in that Redis. locust
then runs headless for the given time (loadtest/locustfile.py) with every user alternating
between the instances.

It exits non-zero, after printing why, on any failed request, any answer outside those each
request expects, any error in either instance's log, or a limits probe whose count across the
two instances is not the configured limit per account. Otherwise it prints the summary:
requests, requests per second, median and 95th percentile per request type, and what each
instance answered. locust's CSV files are kept in the folder given by ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_SECONDS = 90
# One virtual user per account, by kind (the locustfile's classes), plus the limits probe.
USERS = {
    "provider_manager": 4,
    "care_manager": 2,
    "commissioner": 2,
    "finance": 2,
    "administrator": 2,
}
# Every virtual user signs in from 127.0.0.1: the limit per address is raised for the run so
# the load does not trip it. The limit per account stays as production's default, and the
# limits probe proves it is counted once across both instances.
ADDRESS_LIMIT = "100000 per 15 minutes"
ACCOUNT_LIMIT = "20 per 15 minutes"
LOG_ERRORS = ("Traceback", "[ERROR]", "[CRITICAL]", " ERROR ", "Exception")


class LoadTestFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Any, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadTestFailed(f"{what} stopped at start (exit {process.returncode})")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise LoadTestFailed(f"{what} did not start within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis holding nothing on disk, on a free loopback port, stopped after."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise LoadTestFailed("redis-server is not installed: scripts/install-loadtest-packages.sh")
    port = free_port()
    command = [executable, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    command += ["--daemonize", "no", "--dir", str(folder)]
    with open(folder / "redis.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:

        def answers() -> bool:
            with socket.create_connection((HOST, port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")

        wait_until(answers, "redis-server", process)
        yield f"redis://{HOST}:{port}/0"
    finally:
        stop(process)


def portal_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """Production, as the README's deployment sets it, on loopback."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "FLASK_")) and key != "WEB_CONCURRENCY"
    }
    return environment | {
        "FLASK_APP": "wsgi.py",
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_PUBLIC_URL": "https://homecare.loadtest.example",
        "PORTAL_RATELIMIT_STORAGE_URI": redis_url,
        "PORTAL_SIGN_IN_LIMIT_PER_ADDRESS": ADDRESS_LIMIT,
        "PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT": ACCOUNT_LIMIT,
    }


def prepare(environment: dict[str, str], accounts: Path, users: dict[str, int]) -> None:
    """Migrate, load the demo council, and add the virtual users' accounts."""
    flask = [sys.executable, "-m", "flask"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        print("flask", *step, flush=True)
        subprocess.run([*flask, *step], cwd=ROOT, env=environment, check=True)
    counts = [f"--{kind.replace('_', '-')}s={count}" for kind, count in users.items()]
    subprocess.run(
        [sys.executable, "-m", "loadtest.accounts", str(accounts), *counts],
        cwd=ROOT,
        env=environment,
        check=True,
    )


def control_socket(path: Path) -> list[str]:
    """Recent gunicorn listens on a control socket, by default at one path in the home
    folder: each instance gets its own, or the second would take the first's."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket" for setting in KNOWN_SETTINGS):
        return ["--control-socket", str(path)]
    return []


def check_production(url: str) -> None:
    """The instance runs as production does: its cookie is ``__Host-`` prefixed and Secure,
    and it asks browsers for https from now on."""
    with urllib.request.urlopen(url + "/sign-in", timeout=10) as answer:  # noqa: S310
        cookie = answer.headers.get("Set-Cookie", "")
        hsts = answer.headers.get("Strict-Transport-Security")
    if not cookie.startswith("__Host-session=") or "Secure" not in cookie or not hsts:
        raise LoadTestFailed(f"{url} is not running in production configuration")


@contextmanager
def gunicorn(environment: dict[str, str], log: Path, workers: int | None) -> Iterator[str]:
    """One instance with the repository's gunicorn.conf.py, answering /healthz."""
    port = free_port()
    env = environment | {"GUNICORN_BIND": f"{HOST}:{port}"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    command += control_socket(log.with_suffix(".ctl"))
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    url = f"http://{HOST}:{port}"
    try:

        def healthy() -> bool:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:  # noqa: S310
                return bool(answer.status == 200)

        wait_until(healthy, f"gunicorn on port {port}", process)
        check_production(url)
        yield url
    finally:
        stop(process)


def run_locust(hosts: list[str], accounts: Path, out: Path, seconds: int, people: int) -> int:
    users = people + 1  # and the limits probe
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py")]
    command += ["--headless", "--users", str(users), "--spawn-rate", str(users)]
    command += ["--run-time", f"{seconds}s", "--stop-timeout", "10"]
    command += ["--csv", str(out / "loadtest"), "--only-summary", "--loglevel", "WARNING"]
    environment = os.environ | {
        "PYTHONPATH": str(ROOT),
        "LOADTEST_HOSTS": ",".join(hosts),
        "LOADTEST_ACCOUNTS": str(accounts),
        "LOADTEST_REPORT": str(out / "instances.json"),
        "LOADTEST_ACCOUNT_LIMIT": ACCOUNT_LIMIT,
    }
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode


def log_errors(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if any(marker in line for marker in LOG_ERRORS)]


def summary(out: Path, hosts: list[str], seconds: int) -> tuple[str, list[str]]:
    """The summary to print, and every problem found in locust's results."""
    problems: list[str] = []
    with open(out / "loadtest_stats.csv") as file:
        rows = list(csv.DictReader(file))
    with open(out / "loadtest_failures.csv") as file:
        failures = list(csv.DictReader(file))
    report = json.loads((out / "instances.json").read_text())
    lines = [
        f"{'request':48} {'count':>6} {'a second':>8} {'fails':>5} {'median':>7} {'95%':>7}  (ms)"
    ]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        lines.append(
            f"{name:48} {row['Request Count']:>6} {float(row['Requests/s']):>8.2f} "
            f"{row['Failure Count']:>5} "
            f"{row['50%']:>7} {row['95%']:>7}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failed = int(total["Failure Count"])
    lines.append(
        f"requests {total['Request Count']} in {seconds} s: "
        f"{float(total['Requests/s']):.1f} a second; errors {failed}"
    )
    with open(out / "loadtest_exceptions.csv") as file:
        for row in csv.DictReader(file):
            problems.append(f"a virtual user raised {row['Message']} x{row['Count']}")
    for failure in failures:
        problems.append(
            f"{failure['Method']} {failure['Name']}: {failure['Error']} x{failure['Occurrences']}"
        )
    for number, host in enumerate(hosts):
        key = host.removeprefix("http://")
        answers = report["answers"].get(key, {})
        count = sum(answers.values())
        lines.append(
            f"instance {'AB'[number]} ({key}): {count} requests, {count / seconds:.1f} a second; "
            f"answers {dict(sorted(answers.items()))}"
        )
        if not answers:
            problems.append(f"instance {key} answered nothing")
        unexpected = {status for status in answers if status[0] not in "23" and status != "429"}
        if unexpected:
            problems.append(f"instance {key} answered {sorted(unexpected)}")
    probe = report["probe"]
    lines.append(f"limits probe: {probe}")
    limit = int(ACCOUNT_LIMIT.split()[0])
    if probe.get("refused_before_429") != limit or len(probe.get("by_instance", {})) != 2:
        problems.append(
            f"the limits probe was let through {probe.get('refused_before_429')} refusals "
            f"across {len(probe.get('by_instance', {}))} instances before a 429, not {limit} "
            "across both: the limit is not shared"
        )
    return "\n".join(lines), problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="a PostgreSQL database to fill and load")
    parser.add_argument("--seconds", type=int, default=75, help="seconds of load (10 to 900)")
    parser.add_argument("--workers", type=int, help="gunicorn workers per instance")
    parser.add_argument(
        "--scale", type=int, default=1, help="virtual users of each kind, times (1 to 4)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "loadtest" / "results")
    arguments = parser.parse_args(argv)
    if not 10 <= arguments.seconds <= 900:
        parser.error("--seconds must be from 10 to 900")
    if not 1 <= arguments.scale <= 4:
        parser.error("--scale must be from 1 to 4")
    if not arguments.database_url.startswith("postgresql"):
        parser.error("the load test runs on PostgreSQL, as production does")
    arguments.out.mkdir(parents=True, exist_ok=True)
    try:
        users = {kind: count * arguments.scale for kind, count in USERS.items()}
        problems = load_test(
            arguments.database_url, arguments.seconds, arguments.workers, arguments.out, users
        )
    except LoadTestFailed as error:
        problems = [str(error)]
    if problems:
        print("\nThe load test FAILED:", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print("\nThe load test passed: no errors on either instance.")


def load_test(
    database_url: str, seconds: int, workers: int | None, out: Path, users: dict[str, int]
) -> list[str]:
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="loadtest-")))
        redis_url = stack.enter_context(redis_server(folder))
        environment = portal_environment(database_url, redis_url)
        accounts = folder / "accounts.json"
        prepare(environment, accounts, users)
        logs = [out / "instance-a.log", out / "instance-b.log"]
        hosts = [stack.enter_context(gunicorn(environment, log, workers)) for log in logs]
        print(f"Two instances, production configuration: {' and '.join(hosts)}; Redis {redis_url}")
        people = sum(users.values())
        print(f"locust: {people} users and the limits probe for {seconds} s", flush=True)
        exit_code = run_locust(hosts, accounts, out, seconds, people)
    # Both instances have stopped: their logs are whole.
    text, problems = summary(out, hosts, seconds)
    print(text)
    if exit_code != 0:
        problems.append(f"locust exited {exit_code}")
    for log in logs:
        problems += [f"{log.name}: {line}" for line in log_errors(log)]
    return problems


if __name__ == "__main__":
    main()
