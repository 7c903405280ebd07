"""The benchmarks (`make bench`): a large council's data, the measures, the gunicorn load and
the runner.

They live beside the portal, not inside it, so that nothing the portal ships or registers
depends on them: they import whatever of the portal they measure, and the portal never
imports them. ``results.json`` here is the last published run; ``data/`` holds the built
databases (not kept in git)."""
