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
