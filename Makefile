# logwarden developer commands. `make help` lists them.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

.PHONY: venv
venv: ## create or refresh .venv with logwarden and its dev dependencies
	@scripts/setup-venv.sh

.PHONY: demo
demo: venv ## run the whole pipeline locally on a real OpenSearch (the README's first command)
	$(BIN)/logwarden demo

.PHONY: test
test: venv ## run the whole test suite, starting the local services it needs (the README's second command)
	@scripts/run-tests.sh

.PHONY: rehearse
rehearse: venv ## sam build, then run every function from the build with the template's environment (part of make test)
	@scripts/check-template.sh
	$(BIN)/logwarden opensearch up
	$(BIN)/python -m pytest tests/rehearsal

.PHONY: template
template: venv ## write template.yaml from template.src.yaml (the blocks that repeat are written once there)
	$(BIN)/python scripts/generate_template.py

.PHONY: compiled
compiled: venv ## compile the ingest hot path with mypyc into build/compiled (use it with PYTHONPATH=build/compiled)
	@MYPYC=$(BIN)/mypyc layers/compiled/compile.sh build/compiled

.PHONY: lint
lint: venv ## ruff, mypy and the dead-code check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	for handler in functions/*/app.py; do $(BIN)/mypy --no-error-summary "$$handler" || exit 1; done
	scripts/check-dead-code.sh

.PHONY: services-down
services-down: ## stop the local OpenSearch (and RabbitMQ)
	-$(BIN)/logwarden opensearch down
	-$(BIN)/logwarden rabbitmq down
