# Two commands: `make run` (the portal on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py create_demo_campaign
	$(BIN)/python -m contactcenter.runner

test: $(STAMP)
	scripts/ensure-chromium
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m contactcenter.embedded_redis $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m contactcenter.embedded_redis $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
