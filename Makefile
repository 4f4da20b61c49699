# Two commands do everything on a fresh machine:
#   make run   - set up, migrate, seed demo data, serve on http://127.0.0.1:5000 with the scheduler
#   make test  - set up, then the whole test suite (browser and Redis tests included)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# Links in emails point at the port the app runs on, unless BASE_URL says otherwise.
BASE_URL ?= http://127.0.0.1:$(PORT)
export BASE_URL

# Debian packages the app needs at run time: WeasyPrint renders PDFs with Pango, and HarfBuzz's subsetter embeds
# only the glyphs a PDF uses; fonts for the PDFs.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation
# Only the browser tests need these.
BROWSER_PACKAGES := chromium fonts-liberation
# The work-queue and two-server tests start a redis-server of their own (the demo needs none).
REDIS_PACKAGES := redis-server

.PHONY: run test setup system-deps assets browser redis lint format bench clean

setup: system-deps $(VENV)/.installed node_modules/.installed static/dist/app.css

# Checked every time; installed when missing and we are allowed to (root with apt-get); otherwise set-up stops and
# says what to install.
system-deps:
	@missing=""; for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system libraries:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v dpkg-query >/dev/null 2>&1; then \
	    echo "Missing system libraries:$$missing. Install them (e.g. sudo apt-get install$$missing), then run make again."; \
	    exit 1; \
	  fi; \
	fi

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
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null) \
	      || echo "Could not install chromium; browser tests will not run."; \
	  else echo "chromium not found and cannot be installed here; browser tests will not run."; fi; \
	fi

# The tests start their own redis-server on a free port (never the machine's Redis). Installed when absent and we
# are allowed to (root); otherwise the Redis tests report that they did not run, and why (CI fails them instead).
redis:
	@if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing redis-server for the work-queue tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(REDIS_PACKAGES) >/dev/null) \
	      || echo "Could not install redis-server; the Redis tests will not run."; \
	  else echo "redis-server not found and cannot be installed here; the Redis tests will not run."; fi; \
	fi

# The scheduler runs beside the web server; stopping the server (Ctrl-C) stops the scheduler by its pid.
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) with the scheduler (Ctrl-C stops both); email links use $(BASE_URL)."
	@$(FLASK) scheduler run & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --port $(PORT)

test: setup browser redis
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
