# `make demo` and `make test` do all the set-up: a virtual environment, then the install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser demo test bench lint docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/dealflow --db demo.db demo

# The report page's tests draw it in a real headless browser; without one they skip (CI requires it).
browser:
	@command -v chromium >/dev/null && exit 0; \
	command -v apt-get >/dev/null || { echo "no chromium and no apt-get: the browser tests will skip"; exit 0; }; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	{ $$sudo apt-get install -y --no-install-recommends chromium || { $$sudo apt-get update \
	  && $$sudo apt-get install -y --no-install-recommends chromium; }; } >/dev/null 2>&1 \
	  || echo "could not install chromium (apt-get failed or sudo needs a password): the browser tests will skip"

test: install browser
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
