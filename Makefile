# abonent: the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH ?= all
PYTEST_ARGS ?=

.PHONY: install install-dev run test test-pg lint worker beat bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $(VENV)/.base $@

install: $(VENV)/.base
install-dev: $(VENV)/.dev

## Serve the demo on http://127.0.0.1:8000 (SQLite, tasks in-process).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core identity customers metering billing channels notifications service backoffice api
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=abonent.settings_production SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=lk.example.ru SMS_WEBHOOK_SECRET=check-deploy-sms $(BIN)/python manage.py check --deploy --fail-level WARNING

## The whole suite on SQLite (browser tests run where Chromium is installed).
test: lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## The same suite on PostgreSQL.
test-pg: install-dev
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

## A Celery worker for production (CELERY_BROKER_URL=amqp://... or redis://...).
worker: install
	$(BIN)/celery -A abonent worker --loglevel=INFO --concurrency=2

## Celery beat: reminders once a day, the outbox sweeper every minute (one beat per installation).
beat: install
	$(BIN)/celery -A abonent beat --loglevel=INFO

## Benchmarks: `make bench` or `make bench BENCH=readings`.
bench: install-dev
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
