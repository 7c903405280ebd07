# The two commands: `make run` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

ASSET_SOURCES := $(shell find portal/assets -type f) scripts/build-assets.mjs

.PHONY: run test bench loadtest install lint typecheck migrations-check test-sqlite test-postgres system-packages clean

install: $(VENV)/.installed portal/static/css/portal.css

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

portal/static/css/portal.css: node_modules/.installed $(ASSET_SOURCES)
	npm run --silent build

# The demo signs in with a password alone; PORTAL_MFA_REQUIRED=true make run asks for MFA.
run: export PORTAL_MFA_REQUIRED ?= false
run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo
	@$(BIN)/flask demo accounts
	@echo
	@echo "The portal is at http://127.0.0.1:5000 (Ctrl+C stops it)."
	$(BIN)/flask run --host 127.0.0.1 --port 5000

system-packages:
	scripts/install-system-packages.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test-sqlite: install system-packages
	@echo "=== pytest on SQLite ==="
	$(BIN)/pytest

test-postgres: install system-packages
	@echo "=== pytest on PostgreSQL ==="
	scripts/with-postgres.sh $(BIN)/pytest

# The two databases' suites run side by side, one a core (each is mostly one process's
# work, and PostgreSQL's server takes little): each suite's output is printed whole when it
# ends (--output-sync), so neither interleaves with the other.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# The benchmarks on a large council (README, "Benchmarks"): the benchmarks package beside
# the portal, run as a module of its own. The data is built once into benchmarks/data and
# reused; `make bench BENCH_POSTGRES=1` measures PostgreSQL as well.
bench: install system-packages
ifdef BENCH_POSTGRES
	scripts/with-postgres.sh bash -c '$(BIN)/python -m benchmarks.run --postgres "$$TEST_DATABASE_URL" $(BENCH_ARGS)'
else
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)
endif

# The load test (README, "Load test"): locust, headless, against two gunicorn instances in
# production configuration over one throwaway PostgreSQL and one throwaway Redis. Not part of
# `make test`. `make loadtest LOADTEST_SECONDS=120` loads for longer.
LOADTEST_SECONDS ?= 75
loadtest: install system-packages $(VENV)/.loadtest-installed
	scripts/with-postgres.sh bash -c '$(BIN)/python -m loadtest.run "$$TEST_DATABASE_URL" --seconds $(LOADTEST_SECONDS) $(LOADTEST_ARGS)'

$(VENV)/.loadtest-installed: pyproject.toml $(VENV)/.installed
	scripts/install-loadtest-packages.sh
	$(BIN)/pip install --quiet -e '.[dev,loadtest]'
	touch $@

clean:
	rm -rf $(VENV) node_modules portal/static .mypy_cache .ruff_cache .pytest_cache
