# faas-grip: `make demo` runs the chat on the local Pushpin loop; `make test` runs everything.
# Every target sets up what it needs on a fresh machine (Debian packages, virtualenvs).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup system test lint typecheck unit demo dev bench stress clean

help:
	@echo "make demo    run examples/chat on the local Pushpin loop with real clients"
	@echo "make test    lint, type-check and run the whole suite"
	@echo "make dev     keep the chat running for a browser"
	@echo "make bench   benchmarks beside the anchors (writes docs/benchmarks.md)"
	@echo "make stress  the long hardening runs"

system:
	@scripts/install-system

$(STAMP): pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt -e .
	touch $(STAMP)

setup: system $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check faas_grip tests examples benchmarks
	$(BIN)/ruff format --check faas_grip

typecheck: $(STAMP)
	$(BIN)/mypy --strict faas_grip

unit: $(STAMP)
	$(BIN)/pytest -q

test: setup lint typecheck unit

clean:
	rm -rf $(VENV) .tools build .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
