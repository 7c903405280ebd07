"""The benchmarks' databases: built once from the scale generator, reused while nothing that
shapes them has changed.

A SQLite database is a file under ``benchmarks/data`` with a stamp beside it naming what
built it (the generator's source and the migrations); a changed stamp means a rebuild.
PostgreSQL databases are made afresh on the server named, one per history.

    python -m benchmarks.databases DATABASE_URL [--history N] [--smaller K]

builds the large council into one empty database of your choosing (migrating it first), to
look around it in the portal or to time something by hand. It is the benchmarks' own
command, not a ``flask`` one: the portal's app knows nothing of the benchmarks."""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks import scale as scale_module
from benchmarks.scale import Scale, build
from portal import create_app
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "migrations"


def data_version(history: int, smaller: int) -> str:
    """Changes whenever the generator or the schema changes."""
    digest = hashlib.sha256(f"history={history} smaller={smaller}".encode())
    digest.update(Path(scale_module.__file__).read_bytes())
    for migration in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(migration.read_bytes())
    return digest.hexdigest()[:16]


def fill(url: str, *, history: int, smaller: int) -> dict[str, int]:
    """Migrate the empty database at ``url`` and build the large council into it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        scale = Scale(history=history)
        built = build(scale.smaller(smaller) if smaller > 1 else scale)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return built.counts


def sqlite_database(folder: Path, *, history: int, smaller: int) -> tuple[str, bool]:
    """(url, built now): reuses the file when its stamp matches."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"council-h{history}" + (f"-s{smaller}" if smaller > 1 else "")
    path = folder / f"{name}.sqlite"
    stamp = folder / f"{name}.stamp"
    version = data_version(history, smaller)
    url = f"sqlite:///{path}"
    if path.exists() and stamp.exists() and stamp.read_text().strip() == version:
        return url, False
    stamp.unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    fill(url, history=history, smaller=smaller)
    stamp.write_text(version + "\n")
    return url, True


def postgres_database(server_url: str, *, history: int, smaller: int) -> str:
    """A new database on the server for this history, built now."""
    name = f"bench_h{history}" + (f"_s{smaller}" if smaller > 1 else "")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    fill(url, history=history, smaller=smaller)
    settle(url)
    return url


def settle(url: str) -> None:
    """VACUUM (ANALYZE) a PostgreSQL database just built: what autovacuum does to a working
    council's tables over time (statistics for the planner, the visibility map that lets it
    read an index alone), done now, so the measurements see that steady state and
    autovacuum is not catching up on millions of new rows while they run."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the large council into a database.")
    parser.add_argument("database_url", help="an empty database (SQLite makes the file)")
    parser.add_argument("--history", type=int, default=1, help="times over the past is kept")
    parser.add_argument("--smaller", type=int, default=1, help="divide the sizes by this")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    counts = fill(arguments.database_url, history=arguments.history, smaller=arguments.smaller)
    if make_url(arguments.database_url).get_backend_name() == "postgresql":
        settle(arguments.database_url)
    print(f"Built in {time.monotonic() - started:.1f}s:")
    for name, count in counts.items():
        print(f"  {name:18} {count:>10,}")


if __name__ == "__main__":
    main()
