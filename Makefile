# Two commands do everything on a fresh machine:
#   make run   - set up, migrate, seed demo data, serve on http://127.0.0.1:5000 with the scheduler
#   make test  - set up, then the whole test suite (browser tests included)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test setup assets browser lint format bench clean

setup: $(VENV)/.installed node_modules/.installed static/dist/app.css browser

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/app.css: static/scss/app.scss scripts/build-assets.mjs node_modules/.installed
	node scripts/build-assets.mjs

assets: node_modules/.installed
	node scripts/build-assets.mjs

# Browser tests drive Debian's Chromium (Playwright's own browser download does not
# work here). Installed when absent and we are allowed to (root); otherwise the browser
# tests report that they did not run, and why.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null) \
	      || echo "Could not install chromium; browser tests will not run."; \
	  else echo "chromium not found and cannot be installed here; browser tests will not run."; fi; \
	fi

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) with the scheduler (Ctrl-C stops both)."
	@trap 'kill 0' EXIT INT TERM; \
	  $(FLASK) scheduler run & \
	  $(FLASK) run --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules static/dist instance .pytest_cache
