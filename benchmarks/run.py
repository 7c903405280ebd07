"""`make bench`: every benchmark in one run, one JSON object as the last line printed.

    python -m benchmarks.run [--postgres URL] [--smaller K] [--rounds N] [--seconds S]
                             [--data FOLDER] [--output FILE] [--only SECTION ...]

SQLite databases are built once into ``benchmarks/data`` and reused while the generator
and migrations are unchanged; with ``--postgres`` (a server URL, as scripts/with-postgres.sh
gives) the same measures run on PostgreSQL too. The exit status is 1 when a goal is missed."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import measure
from benchmarks.api import api_against_upload
from benchmarks.caseload import caseload_import
from benchmarks.databases import ROOT, postgres_database, sqlite_database
from benchmarks.throughput import measure_throughput, prepare_accounts
from portal.extensions import db

# The goals, from the issue: a measure's value against its limit.
GOALS: dict[str, tuple[str, str, float]] = {
    # section: (key in each measure, "max" or "min", limit)
    "pages": ("ratio_to_floor", "max", 4.0),
    "growth": ("ratio", "max", 1.3),
    "aggregates": ("ratio", "max", 1.5),
    "export": ("ratio", "max", 2.0),
    "upload": ("ratio", "max", 5.0),
    # A provider's 400 returns in one API call, against the same returns uploaded.
    "api": ("ratio", "max", 2.0),
    "caseload": ("ratio", "max", 5.0),
    "pdf": ("ratio", "max", 1.5),
    "report": ("ratio", "max", 1.5),
}
MEMORY_LIMIT_MB = 50
SHARE_OF_FLOOR = 0.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Every section, in the order measured; --only picks some of them.
SECTIONS = (
    "pages",
    "aggregates",
    "export",
    "report",
    "upload",
    "api",
    "caseload",
    "throughput",
)
# Sections that need the council with ten times the history as well.
NEEDS_GROWN = frozenset({"pages", "export"})


def missed_goals(results: dict[str, Any], database: str) -> list[str]:
    missed = []
    for section, (key, kind, limit) in GOALS.items():
        if section not in results:
            continue  # not measured this run (--only)
        found = results[section]
        entries = found.items() if key not in found else [(section, found)]
        for name, entry in entries:
            value = entry[key]
            if (kind == "max" and value > limit) or (kind == "min" and value < limit):
                missed.append(f"{database} {section} {name}: {key} {value} (goal {limit})")
    if "export" in results:
        memory = results["export"]["peak_memory_growth_mb"]
        if memory >= MEMORY_LIMIT_MB:
            missed.append(f"{database} export: peak_memory_growth_mb {memory} (goal < 50)")
    if "throughput" not in results:
        return missed
    throughput = results["throughput"]
    if throughput["share_of_floor"] < SHARE_OF_FLOOR or throughput["errors"]:
        missed.append(
            f"{database} throughput: share_of_floor {throughput['share_of_floor']} with "
            f"{throughput['errors']} errors (goal >= {SHARE_OF_FLOOR}, no errors)"
        )
    if throughput["unread_paths"]:
        missed.append(
            f"{database} throughput: never read in the mixed load: "
            f"{', '.join(throughput['unread_paths'])} (goal: every page read)"
        )
    return missed


def measure_database(
    base_url: str,
    grown_url: str,
    *,
    database: str,
    rounds: int,
    seconds: float,
    only: frozenset[str] = frozenset(SECTIONS),
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    base, grown = measure.Council.open(base_url), measure.Council.open(grown_url)
    if "pages" in only:
        log(f"[{database}] pages against the floor, and on ten times the history")
        results.update(measure.pages_and_growth(base, grown, rounds=rounds))
    if "aggregates" in only:
        log(f"[{database}] aggregates against their own SQL")
        results["aggregates"] = measure.aggregates(base, rounds=rounds // 2)
    if "export" in only:
        log(f"[{database}] a 10,000-payment export and a large remittance")
        # The export and the remittance take tenths of a second a try: ten tries each.
        results.update(measure.export_and_pdf(base, rounds=max(3, rounds // 4)))
        log(f"[{database}] the subject access PDF of the person with the most package lines")
        results["subject_access_pdf"] = measure.subject_access(base, rounds=max(3, rounds // 4))
        log(f"[{database}] peak memory exporting 100,000 payments (its own process)")
        memory = subprocess.run(  # noqa: S603 - our own module, our own database
            [sys.executable, "-m", "benchmarks.memory", grown_url, "100000"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        results["export"]["memory"] = json.loads(memory.stdout.strip().splitlines()[-1])
        results["export"]["peak_memory_growth_mb"] = results["export"]["memory"][
            "peak_memory_growth_mb"
        ]
    if "report" in only:
        log(f"[{database}] the committee's annual report for the latest complete year")
        # Each try builds every section's aggregates and lays out the whole report.
        results["report"] = measure.report(base, rounds=max(3, rounds // 4))
    if "upload" in only:
        log(f"[{database}] a 2,000-row outcome upload")
        # Each try takes most of a second and the machine's noise moves it by a tenth: the
        # median of ten (each beside its own plain insert) is steadier than of five.
        results["upload"] = measure.upload(base, rounds=max(3, rounds // 4))
    if "api" in only:
        log(f"[{database}] 400 returns through the API, against the same uploaded")
        results["api"] = api_against_upload(base, rounds=max(3, rounds // 4))
    if "caseload" in only:
        log(f"[{database}] a 40,000-line case system import")
        # Several seconds a try: five tries, each beside its own plain insert.
        results["caseload"] = caseload_import(base, rounds=max(3, rounds // 8))
    for council in (base, grown):
        with council.app.app_context():
            db.session.remove()
            db.engine.dispose()
    if "throughput" not in only:
        return results
    log(f"[{database}] gunicorn throughput, {seconds:g}s on the floor and {seconds:g}s mixed")
    sign_ins, paths = prepare_accounts(base_url, measure.mixed_load(measure.Council.open(base_url)))
    results["throughput"] = measure_throughput(
        base_url, sign_ins=sign_ins, mixed_paths=paths, seconds=seconds, rounds=3
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL: measure there too")
    parser.add_argument("--smaller", type=int, default=1, help="divide the sizes (for tests)")
    parser.add_argument("--rounds", type=int, default=40, help="timings per page")
    parser.add_argument("--seconds", type=float, default=30, help="each throughput run")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        help="measure these sections only (while developing one); results.json is the "
        "whole run's, so it is written only when every section ran",
    )
    args = parser.parse_args(argv)
    only = frozenset(args.only or SECTIONS)
    # Without a section that reads it, the council with ten times the history is not built.
    histories = (1, 10) if only & NEEDS_GROWN else (1,)
    started = time.monotonic()
    os.environ.setdefault("PORTAL_ENV", "development")

    results: dict[str, Any] = {}
    urls = {}
    for history in histories:
        log(f"[sqlite] data with {history}x history")
        url, built = sqlite_database(args.data, history=history, smaller=args.smaller)
        log(f"[sqlite]   {'built' if built else 'reused'} {url}")
        urls[history] = url
    databases = {"sqlite": urls}
    missed: list[str] = []
    for database in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
        if database == "postgresql":
            # Built once SQLite is measured: a server busy writing (and then vacuuming)
            # millions of rows would take the cores SQLite's measurements share with it.
            databases[database] = {}
            for history in histories:
                log(f"[postgresql] building data with {history}x history")
                databases[database][history] = postgres_database(
                    args.postgres, history=history, smaller=args.smaller
                )
        database_urls = databases[database]
        measured = measure_database(
            database_urls[1],
            database_urls.get(10, database_urls[1]),
            database=database,
            rounds=args.rounds,
            seconds=args.seconds,
            only=only,
        )
        missed += missed_goals(measured, database)
        if database == "sqlite":
            results.update(measured)
        else:
            results[database] = measured
    results["goals_met"] = not missed
    results["missed"] = missed
    results["run"] = {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 - the machine's date is fine here
        "seconds": round(time.monotonic() - started),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "databases": list(databases),
        "smaller": args.smaller,
    }
    line = json.dumps(results, sort_keys=False)
    if only == frozenset(SECTIONS):
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")
    for message in missed:
        log(f"goal missed: {message}")
    print(line)
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
