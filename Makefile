# `make demo` and `make test` do all the set-up: a virtual environment, then the install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/dealflow --db demo.db demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/run.py $(BENCH)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

docs: install
	$(BIN)/python -m dealflow.cli.reference > docs/cli.md

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm .pytest_cache
