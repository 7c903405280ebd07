"""The load test's verdict from locust's files: it passes only with no failed request, no
exception in a virtual user, no answer outside 2xx and 3xx but the probe's 429, and a limits
probe stopped at exactly the limit per account, across both instances."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loadtest.run import ACCOUNT_LIMIT, summary

HOSTS = ["http://127.0.0.1:8001", "http://127.0.0.1:8002"]
LIMIT = int(ACCOUNT_LIMIT.split()[0])
STATS = ["Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%"]


def write_run(
    folder: Path,
    *,
    failures: Sequence[dict[str, str]] = (),
    exceptions: Sequence[dict[str, str]] = (),
    answers: dict[str, dict[str, int]] | None = None,
    probe: dict[str, Any] | None = None,
) -> Path:
    def table(name: str, header: list[str], rows: Any) -> None:
        with open(folder / name, "w", newline="") as file:
            writer = csv.DictWriter(file, header)
            writer.writeheader()
            writer.writerows(rows)

    failed = str(sum(int(f["Occurrences"]) for f in failures))
    table(
        "loadtest_stats.csv",
        STATS,
        [
            {"Type": "GET", "Name": "commissioner: Table F", "Request Count": "90",
             "Failure Count": failed, "Requests/s": "1.5", "50%": "20", "95%": "90"},
            {"Type": "", "Name": "Aggregated", "Request Count": "90",
             "Failure Count": failed, "Requests/s": "1.5", "50%": "20", "95%": "90"},
        ],
    )  # fmt: skip
    table("loadtest_failures.csv", ["Method", "Name", "Error", "Occurrences"], failures)
    table("loadtest_exceptions.csv", ["Count", "Message", "Traceback", "Nodes"], exceptions)
    report = {
        "answers": answers or {"127.0.0.1:8001": {"200": 45}, "127.0.0.1:8002": {"200": 45}},
        "probe": probe
        or {"limit": LIMIT, "refused_before_429": LIMIT,
            "by_instance": {"127.0.0.1:8001": LIMIT // 2, "127.0.0.1:8002": LIMIT // 2}},
    }  # fmt: skip
    (folder / "instances.json").write_text(json.dumps(report))
    return folder


def test_a_clean_run_passes_and_says_what_each_instance_answered(tmp_path: Path) -> None:
    text, problems = summary(write_run(tmp_path), HOSTS, 60)
    assert problems == []
    assert "requests 90 in 60 s: 1.5 a second; errors 0" in text
    assert "instance B (127.0.0.1:8002): 45 requests, 0.8 a second" in text


def test_a_failed_request_or_an_exception_fails_the_run(tmp_path: Path) -> None:
    failure = {
        "Method": "POST",
        "Name": "finance: make a batch",
        "Error": "400",
        "Occurrences": "2",
    }
    exception = {"Count": "1", "Message": "no csrf_token on the page", "Traceback": "", "Nodes": ""}
    _, problems = summary(
        write_run(tmp_path, failures=[failure], exceptions=[exception]), HOSTS, 60
    )
    assert problems == [
        "a virtual user raised no csrf_token on the page x1",
        "POST finance: make a batch: 400 x2",
    ]


def test_an_answer_outside_2xx_and_3xx_fails_the_run_but_the_probes_429(tmp_path: Path) -> None:
    answers = {"127.0.0.1:8001": {"200": 40, "429": 1}, "127.0.0.1:8002": {"200": 40, "500": 1}}
    _, problems = summary(write_run(tmp_path, answers=answers), HOSTS, 60)
    assert problems == ["instance 127.0.0.1:8002 answered ['500']"]


def test_a_limit_counted_apart_by_each_instance_fails_the_run(tmp_path: Path) -> None:
    apart = {"limit": LIMIT, "refused_before_429": 2 * LIMIT,
             "by_instance": {"127.0.0.1:8001": LIMIT, "127.0.0.1:8002": LIMIT}}  # fmt: skip
    _, problems = summary(write_run(tmp_path, probe=apart), HOSTS, 60)
    assert len(problems) == 1 and "the limit is not shared" in problems[0]
