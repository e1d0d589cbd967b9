# 网上党校: `make run` serves the demo school, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# The suite runs in this many processes, one test file each at a time, the browser tests all in
# one process (one demo school, one Chromium); each process makes its own databases.
TEST_WORKERS ?= 2
export FLASK_APP := wsgi.py

.PHONY: run test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change, so a second `make run` starts in seconds.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask content import
	$(BIN)/flask demo load
	$(BIN)/flask search reindex --if-stale
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check school tests bench wsgi.py migrations/env.py
	$(BIN)/ruff format --check school tests bench wsgi.py migrations/env.py
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
