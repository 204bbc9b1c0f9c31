# Two commands on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install -q --disable-pip-version-check -c requirements/constraints.txt

.PHONY: run test lint typecheck pytest bench constraints clean

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

tests/interop/node_modules/.package-lock.json: tests/interop/package-lock.json
	cd tests/interop && npm ci --ignore-scripts --no-audit --no-fund

## run: install and start a demo node (SQLite, demo institution, sample credentials)
run: $(VENV)/.installed
	$(BIN)/credreg demo

## test: install what the tests need, then lint, type-check and run every suite
test: $(VENV)/.installed-dev tests/interop/node_modules/.package-lock.json lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/issue.py

constraints:
	$(BIN)/pip freeze --exclude-editable | sort -f > requirements/constraints.txt

clean:
	rm -rf $(VENV) tests/interop/node_modules .credreg-demo
