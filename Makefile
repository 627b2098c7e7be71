# The portal's commands. `make run` sets everything up and serves; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app portal
VENDOR := static/vendor
PORT ?= 5000

.PHONY: run setup install assets db test scale-out faults bench-load lint format clean

run: setup  ## install, migrate, seed the framework and demo data, serve on :$(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

setup: install assets db

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	cp node_modules/@jsonresume/schema/schema.json $(VENDOR)/jsonresume-schema.json

db: install assets
	$(FLASK) db upgrade
	$(FLASK) seed --demo

test: install assets  ## every test; TEST_DATABASE_URL=postgresql+psycopg://... runs them on PostgreSQL
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENDOR) node_modules $(VENV) .pytest_cache .ruff_cache

scale-out: install  ## two web instances and two workers over one PostgreSQL and one Redis, checked
	$(PY) scripts/scale_out.py

faults: install  ## under load: kill a web worker, cut and stop/start a private PostgreSQL, kill a job worker; nothing acknowledged lost
	$(PY) scripts/faults.py

LOAD_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/portal_load
bench-load: install  ## 50 users for 5 minutes on 200 scorecards and 100,000 candidates (a scratch PostgreSQL database, kept for the next run)
	$(FLASK) bench load --database-url $(LOAD_DATABASE_URL) --reuse
