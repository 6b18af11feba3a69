# Centrala. `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test migrate demo messages check-messages bench clean

$(STAMP): pyproject.toml requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else "Centrala needs Python 3.12; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.txt -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py demo_data

# DEBUG=1 because the local server speaks plain HTTP (secure cookies need HTTPS).
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo_data
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the translation catalogues after changing user-visible strings, then translate.
messages: install
	cd centrala && ../$(BIN)/python ../manage.py makemessages -l pl -l ru -l en --no-obsolete --ignore 'tests/*'
	cd centrala && ../$(BIN)/python ../manage.py makemessages -d djangojs -l pl -l ru -l en --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore '.venv'

# The foundation's pages, then the working lists on generated data (1,000,000 cases on PostgreSQL,
# 100,000 on SQLite); see docs/performance.md for options (BENCH_PARTS, BENCH_REUSE, ...).
bench: install
	$(BIN)/python -m bench
	$(BIN)/python -m bench.mail

clean:
	rm -rf $(VENV) var/test-*.sqlite3*
