# The two front-door commands: `make run` (local API on MiniStack, no Docker) and `make test` (lint + all tests).
PYTHON ?= python3.11
VENV := .venv
EMU_VENV := .venv-emulator
LOCAL_PORT ?= 4566

.PHONY: setup run test unit e2e lint bench clean

setup: $(VENV)/.installed $(EMU_VENV)/.installed

$(VENV)/.installed: requirements/dev.txt layers/shared/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements/dev.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

$(EMU_VENV)/.installed: requirements/emulator.txt
	$(PYTHON) -m venv $(EMU_VENV)
	$(EMU_VENV)/bin/pip install --quiet --upgrade pip
	$(EMU_VENV)/bin/pip install --quiet -r requirements/emulator.txt
	touch $@

run: setup
	LOCAL_PORT=$(LOCAL_PORT) $(VENV)/bin/shopctl local up

test: setup lint
	$(VENV)/bin/pytest

unit: setup
	$(VENV)/bin/pytest -m "not e2e"

e2e: setup
	$(VENV)/bin/pytest -m e2e

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/shared functions shopctl tests bench

bench: setup
	$(VENV)/bin/python -m bench

clean:
	rm -rf .local .aws-sam
