# Rendezvous: the two Quick start commands (`make demo`, `make test`) and what they are made of.
# Everything lands in the project folder (.venv, node_modules); nothing global but Debian's chromium.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= 1

.PHONY: demo test install install-dev chromium migrate demo-data serve test-unit test-browser lint check messages bench bench-sale bench-scan bench-people clean

## make demo: install, migrate, load the demo data and serve the site on SQLite.
demo: install migrate demo-data serve

## make test: install what the tests need, then run the whole suite (unit, then real browser).
test: install-dev chromium check test-unit test-browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.copied: node_modules/.package-lock.json scripts/vendor.mjs
	node scripts/vendor.mjs
	touch $@

install: $(VENV)/.installed static/vendor/.copied

install-dev: $(VENV)/.installed-dev static/vendor/.copied

## Debian's chromium for the browser tests, installed only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

migrate: install
	$(PY) manage.py migrate --noinput

# Links in e-mails and calendar files point at the server `make demo` starts.
demo-data serve: export SITE_URL ?= http://$(HOST):$(PORT)

demo-data: install
	$(PY) manage.py load_demo --url http://$(HOST):$(PORT)/

## The site and, beside it, the background task worker (e-mails go out from tasks); Ctrl-C stops both.
serve: install
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## Unit and integration tests; DATABASE_URL picks the database (SQLite by default).
test-unit: install-dev
	$(PY) -m pytest -n 2 -q

## Real-browser tests in headless Chromium.
test-browser: install-dev chromium
	$(PY) -m pytest -m browser -q

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

## Public pages under gunicorn, SQLite and PostgreSQL (see docs/benchmarks.md); not part of `make test`.
bench: install
	$(PY) -m bench.pages $(BENCH_ARGS)

## A sale burst under gunicorn on PostgreSQL: 1,000 buyers for 300 places, free and paid (see docs/benchmarks.md).
bench-sale: install
	$(PY) -m bench.sale $(BENCH_ARGS)

## Organiser pages over 10,000 registrations and 50,000 people, and a 100,000-row export, on PostgreSQL.
bench-people: install
	$(PY) -m bench.people $(BENCH_ARGS)

## Door scans under gunicorn on PostgreSQL: 10 devices, first scans and repeats, beside /healthz (see docs/benchmarks.md).
bench-scan: install
	$(PY) -m bench.scan $(BENCH_ARGS)

messages: install-dev
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
