# SLAR developer commands. `make run` starts the platform; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check fmt lint types contracts install migrate demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: set up the virtualenv, migrate ./slar.db and serve on http://localhost:8000
run: $(STAMP)
	$(BIN)/slar migrate
	$(BIN)/slar serve

migrate: $(STAMP)
	$(BIN)/slar migrate

demo: $(STAMP)
	$(BIN)/slar demo

## test: every test, on SQLite and (when SLAR_TEST_DATABASE_URL is set) PostgreSQL
test: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadgroup

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

## check: format, lint, types, import contracts and tests (what CI's quality gate runs)
check: lint types contracts test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

BENCH_VENV := bench/.alerta-venv

$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip uv
	$(BENCH_VENV)/bin/uv pip install --quiet --python $(BENCH_VENV)/bin/python \
		'alerta-server==9.1.0' gunicorn psycopg2-binary py-spy
	touch $@

## bench: ingest benchmark, SLAR against Alerta on the local PostgreSQL (bench/README.md)
bench: $(STAMP) $(BENCH_VENV)/.installed
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@pg_isready -h 127.0.0.1 -p 5432 -q || \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start
	$(BIN)/python bench/ingest.py $(BENCH_ARGS)
