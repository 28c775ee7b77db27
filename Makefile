# The two commands of the quick start are `make demo` and `make test`; everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test fieldapp bench serve screenshots clean messages

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[pg,serve,fieldapp,dev]'
	touch $(STAMP)

venv: $(STAMP)

## Build a demo database on SQLite, print the demo logins and serve on $(HOST):$(PORT), with the worker that runs
## the imports (its queue: SQLite in instance/) beside the server; Ctrl-C stops both.
demo: export DOORSTEP_DEMO := 1
demo: $(STAMP)
	$(BIN)/doorstep seed-demo --reset
	$(BIN)/doorstep worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/doorstep run --host $(HOST) --port $(PORT)

## Run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

## Take the README's screenshots again (the dashboard in Chromium, the field app offscreen) into docs/screenshots.
screenshots: $(STAMP)
	DOORSTEP_SHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/server/test_dashboard_browser.py tests/server/test_dashboard_phone.py \
		tests/fieldapp/test_ui_flow.py tests/fieldapp/test_ui_problems.py tests/fieldapp/test_ui_lock.py \
		tests/fieldapp/test_ui_setup.py tests/server/test_dashboard_connect.py tests/fieldapp/test_ui_day.py \
		tests/server/test_dashboard_lists_browser.py

## Extract every _(), gettext(), N_() and tr() text into shared/locale/messages.pot and bring each language's
## messages.po up to date with it (new texts come in untranslated, removed ones go): docs/i18n.md.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ -k gettext -k N_ -k tr --sort-output \
		--add-location file --no-wrap --project Doorstep -o shared/locale/messages.pot .
	$(BIN)/pybabel update -i shared/locale/messages.pot -d shared/locale --no-fuzzy-matching --ignore-obsolete --no-wrap
	@# the extraction's date would make every engineer's catalogue conflict with every other's
	sed -i '/^"POT-Creation-Date: /d' shared/locale/messages.pot shared/locale/*/LC_MESSAGES/messages.po

## Open the field app against DOORSTEP_SERVER (default: the demo server).
fieldapp: $(STAMP)
	DOORSTEP_SERVER="$${DOORSTEP_SERVER:-http://$(HOST):$(PORT)}" $(BIN)/python -m fieldapp

## Production-like serving with gunicorn (DATABASE_URL selects the database, else the demo's SQLite file; run
## `doorstep worker` beside it).
serve: export DOORSTEP_DEMO := $(if $(DATABASE_URL),0,1)
serve: $(STAMP)
	$(BIN)/gunicorn -w 2 -b $(HOST):$(PORT) 'server:create_app()'

clean:
	rm -rf $(VENV) instance build *.egg-info
