# Hardship: `make run` sets everything up and serves the demo; `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: help run setup test bench loadtest lint format messages makemessages check clean backup restore

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

messages: ## Compile the translations
	$(PY) manage.py compilemessages -v0 --ignore=.venv

setup: ## Install system packages (apt), the virtualenv, translations, migrations, demo data
	@scripts/system_deps.sh run
	@$(MAKE) --no-print-directory $(RUN_STAMP) messages
	$(PY) manage.py migrate -v0
	$(PY) manage.py seed_demo

run: setup ## Set up and serve the demo on http://127.0.0.1:8000 (SQLite, tasks in-process)
	@$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:8000

test: ## Run the whole suite (PostgreSQL and Redis when they answer; says what it skipped)
	@scripts/system_deps.sh test
	@$(MAKE) --no-print-directory $(DEV_STAMP) messages
	@eval "$$(PY=$(PY) scripts/services.sh)"; \
	  $(PY) manage.py makemigrations --check --dry-run -v0 --settings=hardship.settings.test && \
	  $(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . >/dev/null && \
	  $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: ## Seed 200,000 files and a 1,000,000-entry ledger on PostgreSQL, load the pages (figures to bench/results/)
	@scripts/system_deps.sh bench
	@$(MAKE) --no-print-directory $(DEV_STAMP) messages
	$(PY) bench/run.py $(BENCH_ARGS)

loadtest: ## 300 simulated people for 10 minutes against gunicorn on the bench database (figures to bench/results/)
	@scripts/system_deps.sh bench
	@$(MAKE) --no-print-directory $(DEV_STAMP) messages
	$(PY) bench/loadtest.py $(LOAD_ARGS)

lint: $(DEV_STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(DEV_STAMP) ## ruff fix and format
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

makemessages: ## Refresh the zh_Hans message catalogue
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=tests --ignore=docs --no-obsolete

backup: ## Dump DATABASE_URL (pg_dump -Fc) and MEDIA_ROOT (tar.gz) into BACKUP_DIR (default backups/)
	@scripts/backup.sh

restore: ## Restore BACKUP=backups/hardship-<time> into TARGET_DATABASE_URL (default DATABASE_URL) and MEDIA_ROOT
	@scripts/restore.sh "$(BACKUP)"

clean: ## Remove the virtualenv and the demo database
	rm -rf $(VENV) db.sqlite3 staticfiles
