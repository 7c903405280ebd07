from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.bench.scale import Scale, build
from portal.extensions import db

bench_cli = AppGroup("bench", help="A large council's data, for the benchmarks.")


@bench_cli.command("data")
@click.option("--history", default=1, show_default=True, help="Times over the past is kept.")
@click.option("--smaller", default=1, show_default=True, help="Divide the sizes by this.")
def data(history: int, smaller: int) -> None:
    """Fill the (empty, migrated) database with a large council's records."""
    scale = Scale(history=history).smaller(smaller) if smaller > 1 else Scale(history=history)
    started = time.monotonic()
    built = build(scale)
    db.session.commit()
    click.echo(f"Built in {time.monotonic() - started:.1f}s:")
    for name, count in built.counts.items():
        click.echo(f"  {name:18} {count:>10,}")
