# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint venv clean bench assets
ASSETS := registry/web/static/vendor/.installed

$(STAMP): pyproject.toml constraints.txt
	scripts/install-system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(ASSETS): frontend/package-lock.json scripts/vendor-assets
	scripts/vendor-assets

assets: $(ASSETS)

## Set up, migrate, load the demo county when the database is empty, index what waits,
## then the scheduler in the background and the web server on :8000 (Ctrl-C stops both).
run: $(STAMP) $(ASSETS)
	$(BIN)/registry db upgrade
	$(BIN)/registry demo load --scale county --if-empty
	$(BIN)/registry search drain
	$(BIN)/registry scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(BIN)/registry serve --host 127.0.0.1 --port 8000

## The whole suite: SQLite and a throw-away PostgreSQL cluster (started by the tests).
test: $(STAMP) $(ASSETS)
	$(BIN)/ruff check registry catalog_schemas importers config tests benchmarks
	$(BIN)/ruff format --check registry catalog_schemas importers config tests benchmarks
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check registry catalog_schemas importers config tests benchmarks
	$(BIN)/ruff format --check registry catalog_schemas importers config tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/registry_core.py

clean:
	rm -rf $(VENV) instance .pytest_cache frontend/node_modules registry/web/static/vendor
