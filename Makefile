# The two front-door commands: `make run` (local API on MiniStack, no Docker) and `make test` (lint + all tests).
PYTHON ?= python3.11
VENV := .venv
EMU_VENV := .venv-emulator
MUT_VENV := .venv-mutation
LOCAL_PORT ?= 4566

.PHONY: setup run test test-lint test-unit test-e2e unit e2e lint bench clean seed invoke logs sync redrive mutation mutation-report

# The dev-loop targets talk to the stack `make run` started (same LOCAL_PORT); SAM reads samconfig.toml [local].
LOCAL_ENDPOINT ?= http://127.0.0.1:$(LOCAL_PORT)
LOCAL_AWS = AWS_ENDPOINT_URL=$(LOCAL_ENDPOINT) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0 PATH=$(CURDIR)/$(VENV)/bin:$$PATH

setup: $(VENV)/.installed $(EMU_VENV)/.installed

# The dev venv is installed --no-compile: pip would byte-compile every installed module (SAM CLI, moto,
# schemathesis, ...), 25 of its 38 s; Python compiles the few the tools import on first use and caches them in
# the (writable) venv (or, where PYTHONDONTWRITEBYTECODE is set, as on the CI image, compiles them in each
# process: the unit run, alongside, takes ~15 s longer; CI as a whole 20 s less). Not the emulator's venv: 50
# cold Lambda workers starting at once would each compile its SDK (end-to-end +50 s measured).

$(VENV)/.installed: requirements/dev.txt layers/shared/requirements.txt layers/tracing/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --no-compile -r requirements/dev.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

$(EMU_VENV)/.installed: requirements/emulator.txt
	$(PYTHON) -m venv $(EMU_VENV)
	$(EMU_VENV)/bin/pip install --quiet --upgrade pip
	$(EMU_VENV)/bin/pip install --quiet -r requirements/emulator.txt
	touch $@

# mutmut has its own venv: it needs a newer click than aws-sam-cli pins (requirements/mutation.txt).
$(MUT_VENV)/.installed: requirements/mutation.txt layers/shared/requirements.txt layers/tracing/requirements.txt
	$(PYTHON) -m venv $(MUT_VENV)
	$(MUT_VENV)/bin/pip install --quiet --upgrade pip
	$(MUT_VENV)/bin/pip install --quiet -r requirements/mutation.txt
	touch $@

run: setup
	LOCAL_PORT=$(LOCAL_PORT) $(VENV)/bin/shopctl local up

# Lint, the unit tests (2 processes, in-process moto) and the end-to-end tests (one local stack) at once: the
# end-to-end suite mostly waits on the stack (its workers' cold starts, stream delivery), and lint and the unit
# tests fill that idle CPU at the lowest priority, so the stack's workers keep theirs. Each part prints its output
# when it ends (--output-sync); `make test` fails if any of the three does.
test: setup
	$(MAKE) --no-print-directory -j3 --output-sync=target test-lint test-unit test-e2e

test-lint: setup
	nice -n 19 $(MAKE) --no-print-directory lint

test-unit: setup
	nice -n 19 $(VENV)/bin/pytest -m "not e2e" -n 2

test-e2e: setup
	$(VENV)/bin/pytest -m e2e --durations=10

unit: setup
	$(VENV)/bin/pytest -m "not e2e" -n 2

e2e: setup
	$(VENV)/bin/pytest -m e2e

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/shared functions shopctl tests bench tools
	PYTHONPATH=layers/shared:functions/customers:functions/inventory:functions/sales:functions/reviews \
		$(VENV)/bin/lint-imports --no-cache

seed: setup
	$(LOCAL_AWS) shopctl local seed

# make invoke FN=GetCustomerFunction EVENT=events/customers/get_customer.json  (after `make seed`)
invoke: setup
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function logical id> EVENT=events/<...>.json"; exit 2; }
	$(LOCAL_AWS) shopctl event $(EVENT) -o .local/events/$(notdir $(EVENT))
	@# sam prints the function's answer without a newline; end the line so nothing gets glued to it.
	$(LOCAL_AWS) sam remote invoke $(FN) --config-env local --event-file .local/events/$(notdir $(EVENT)) && echo

# make logs FN=LoginFunction [TAIL=1]
logs: setup
	@test -n "$(FN)" || { echo "usage: make logs FN=<function logical id> [TAIL=1]"; exit 2; }
	$(LOCAL_AWS) sam logs -n $(FN) --config-env local $(if $(TAIL),--tail)

sync: setup
	$(LOCAL_AWS) sam sync --config-env local

redrive: setup
	$(LOCAL_AWS) shopctl dlq redrive

# Mutation testing of the layer and the services' rules ([tool.mutmut] in pyproject.toml, docs/testing.md), then the
# score per module. Incremental: a run starts from the results kept in tools/mutation-results/ (saved at its end, also
# when interrupted) and re-tests only what changed; `rm -rf mutants tools/mutation-results` starts afresh.
# Some of them: make mutation MUTANTS='inventory_api.*'. Two workers, niced: the machine is shared.
mutation: $(MUT_VENV)/.installed
	nice -n 10 $(MUT_VENV)/bin/python tools/mutation.py run --max-children 2 $(MUTANTS); status=$$?; \
		$(MUT_VENV)/bin/python tools/mutation.py save; exit $$status
	$(MUT_VENV)/bin/python tools/mutation.py report

mutation-report: $(MUT_VENV)/.installed
	$(MUT_VENV)/bin/python tools/mutation.py report

bench: setup
	$(VENV)/bin/python -m bench

clean:
	rm -rf .local .aws-sam mutants
