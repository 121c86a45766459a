# The two commands of the README: `make run` and `make test`. Both work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_DIR := .run

.PHONY: run test lint migrations-check bench messages install install-dev clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up and start the portal with its Celery worker and beat on the embedded defaults.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Portal: http://127.0.0.1:8000   (Ctrl-C stops the portal, the worker and beat)"
	$(PY) -m wuxing.launcher --address 127.0.0.1:8000 --run-dir $(RUN_DIR)

## Set up and run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

## Benchmarks on PostgreSQL; figures go to docs/PERFORMANCE.md.
bench: install-dev
	$(PY) -m pytest tests/bench -m bench -s

## Refresh and compile the translations (zh-hans is complete, en falls back to source).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) $(RUN_DIR) staticfiles .pytest_cache
