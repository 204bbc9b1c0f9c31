# Two commands on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install -q --disable-pip-version-check -c requirements/constraints.txt

.PHONY: run test messages messages-compile lint typecheck contracts-check contracts compose-check pytest bench constraints clean chromium

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
             tests/browser/node_modules/.package-lock.json \
             tests/oidc/node_modules/.package-lock.json \
             contracts/node_modules/.package-lock.json

# The independent verifier, the anvil dev chain and the solc compiler, pinned by lockfiles.
%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && $(NPM_CI)

# The Credo holder: its two FFI addons are built from source (node-gyp, Node's headers);
# askar's native library comes from the aries-askar wheel of the dev extra (LIB_ASKAR_PATH).
tests/credo/node_modules/.package-lock.json: tests/credo/package-lock.json
	cd tests/credo && $(NPM_CI) && npm rebuild --no-audit --no-fund @2060.io/ffi-napi @2060.io/ref-napi

## run: install and start a demo node (SQLite, demo institution, sample credentials)
run: $(VENV)/.installed messages-compile
	$(BIN)/credreg demo

## test: install what the tests need, then lint, type-check and run every suite
test: $(VENV)/.installed-dev $(NODE_DEPS) chromium messages-compile lint typecheck contracts-check compose-check pytest

## chromium: Debian's Chromium for the browser tests (Playwright drives it; CI runs as root)
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

LOCALE := node/i18n/locale
BABEL_KEYWORDS := -k gettext_noop

## messages: re-extract the page texts (code + templates) into the .pot, update every .po
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file \
	  -c Translators: --project=credreg-node --version=0.1.0 -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching --ignore-obsolete

## messages-compile: the .mo files (build output; the node compiles a stale one in memory)
messages-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(LOCALE) -D messages --statistics

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

## pytest: every suite, one worker process per core (pytest-xdist); a module's tests stay on
## one worker, so its module-scoped fixtures (a three-node network, a served node) start once
pytest:
	$(BIN)/pytest -n auto --dist loadscope

bench: $(VENV)/.installed
	$(BIN)/python bench/issue.py

constraints:
	$(BIN)/pip freeze --exclude-editable | sort -f > requirements/constraints.txt

clean:
	rm -rf $(VENV) tests/interop/node_modules tests/contract/node_modules tests/wallet/node_modules \
	       tests/credo/node_modules contracts/node_modules \
	  .credreg-demo
