# Two commands on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install -q --disable-pip-version-check -c requirements/constraints.txt

.PHONY: run test lint typecheck contracts-check contracts compose-check pytest bench constraints clean chromium

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

NPM_CI := npm ci --ignore-scripts --no-audit --no-fund
NODE_DEPS := tests/interop/node_modules/.package-lock.json \
             tests/contract/node_modules/.package-lock.json \
             tests/wallet/node_modules/.package-lock.json \
             tests/credo/node_modules/.package-lock.json \
             contracts/node_modules/.package-lock.json

# The independent verifier, the anvil dev chain and the solc compiler, pinned by lockfiles.
%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && $(NPM_CI)

# The Credo holder: its two FFI addons are built from source (node-gyp, Node's headers);
# askar's native library comes from the aries-askar wheel of the dev extra (LIB_ASKAR_PATH).
tests/credo/node_modules/.package-lock.json: tests/credo/package-lock.json
	cd tests/credo && $(NPM_CI) && npm rebuild --no-audit --no-fund @2060.io/ffi-napi @2060.io/ref-napi

## run: install and start a demo node (SQLite, demo institution, sample credentials)
run: $(VENV)/.installed
	$(BIN)/credreg demo

## test: install what the tests need, then lint, type-check and run every suite
test: $(VENV)/.installed-dev $(NODE_DEPS) chromium lint typecheck contracts-check compose-check pytest

## chromium: Debian's Chromium for the browser tests (Playwright drives it; CI runs as root)
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## lint: ruff, and the layer contract (pyproject.toml [tool.importlinter], docs/architecture.md)
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck:
	$(BIN)/mypy

## contracts-check: recompile the Solidity sources and fail if the committed artifacts drift
contracts-check: contracts/node_modules/.package-lock.json
	cd contracts && node build.mjs --check

## contracts: recompile and rewrite contracts/artifacts
contracts: contracts/node_modules/.package-lock.json
	cd contracts && node build.mjs

## compose-check: parse docker/docker-compose.yml (Debian's docker-compose; no engine needed)
compose-check:
	@command -v docker-compose >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }
	docker-compose -f docker/docker-compose.yml --env-file docker/.env.example config -q

pytest:
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/issue.py

constraints:
	$(BIN)/pip freeze --exclude-editable | sort -f > requirements/constraints.txt

clean:
	rm -rf $(VENV) tests/interop/node_modules tests/contract/node_modules tests/wallet/node_modules \
	       tests/credo/node_modules contracts/node_modules \
	  .credreg-demo
