# deskbot: the two commands of the README.
#   make run   set up, migrate, seed sample data, start the desk (console without Slack credentials)
#   make test  set up, make sure PostgreSQL is up and Chromium installed, run ruff, mypy and the
#              whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/deskbot db upgrade
	$(BIN)/deskbot seed
	$(BIN)/deskbot run --or-console

test: $(STAMP)
	bash .ci/postgres
	bash .ci/dovecot
	bash .ci/chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.faq
	$(BIN)/python -m bench.cold
	$(BIN)/python -m bench.nlu
	$(BIN)/python -m bench.sla
	$(BIN)/python -m bench.slack
	$(BIN)/python -m bench.inbox
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.similar
	$(BIN)/python -m bench.web

clean:
	rm -rf $(VENV) deskbot.db .pytest_cache
