# ediary — two commands: `make run` (the demo portal) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo var/uv/bin/uv)

.PHONY: run test setup check-system lint messages clean

check-system:
	@bash scripts/check-system.sh "$(PYTHON)"

$(UV):
	@echo "== installing uv (the locked installer) with pip into var/uv"
	@$(PYTHON) -m venv var/uv && var/uv/bin/pip install --quiet "uv>=0.5"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	@echo "== installing ediary's locked dependencies into $(VENV)"
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	@touch $@

setup: check-system $(VENV)/.synced

run: setup
	@echo "== migrating the database" && $(PY) manage.py migrate --noinput -v 0
	@EDIARY_REQUIRE_STAFF_MFA=false $(PY) manage.py seed_demo --if-missing
	@echo "== ediary serves http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	@EDIARY_REQUIRE_STAFF_MFA=false $(PY) manage.py runserver "127.0.0.1:$(PORT)"

test: setup
	@$(PY) manage.py makemigrations --check --dry-run >/dev/null || (echo "Migrations are missing: run manage.py makemigrations" && exit 1)
	@$(PY) -m ruff check .
	@$(PY) -m pytest -m "not e2e"
	@DJANGO_ALLOW_ASYNC_UNSAFE=1 $(PY) -m pytest -m e2e tests/e2e

lint:
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .

messages:
	@$(PY) manage.py makemessages -l ru --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests
	@$(PY) manage.py compilemessages -l ru --ignore=.venv --ignore=var
	@msgfmt --statistics -o /dev/null locale/ru/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var/uv
