# ICCT26 — everything a developer or CI runs. Needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The locked dependency trees (exact versions and hashes), resolved from pyproject.toml by `make lock`:
# requirements.txt for the image, requirements-dev.txt (+ test tools, embedded PostgreSQL) here and in CI.
LOCK_OPTIONS := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"

.PHONY: install run test lint format typecheck bench docs clean lock

$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Re-resolve the lock files after changing dependencies in pyproject.toml (needs the package index).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml $(LOCK_OPTIONS) -o requirements.txt
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev $(LOCK_OPTIONS) -o requirements-dev.txt

## Serve on http://127.0.0.1:8000 (docs at /docs); embedded PostgreSQL unless DATABASE_URL is set.
run: install
	$(BIN)/icct26 db upgrade
	$(BIN)/icct26 serve

## The whole suite; uses TEST_DATABASE_URL when set, else an embedded PostgreSQL.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench alembic
	$(BIN)/ruff format --check src tests bench alembic
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layer contracts in pyproject.toml

format: install
	$(BIN)/ruff check --fix src tests bench alembic
	$(BIN)/ruff format src tests bench alembic

bench: install
	$(BIN)/python bench/run.py

docs: install
	$(BIN)/icct26 docs error-codes
	$(BIN)/icct26 docs api

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data
