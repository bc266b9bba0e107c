# faas-grip: `make demo` runs the chat on the local Pushpin loop; `make test` runs everything.
# Every target sets up what it needs on a fresh machine (Debian packages, virtualenvs).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup system test lint typecheck unit demo dev bench stress clean ministack aws-local demo-aws \
        sam build layer validate deploy

help:
	@echo "make demo    run examples/chat on the local Pushpin loop with real clients"
	@echo "make test    lint, type-check and run the whole suite"
	@echo "make dev     keep the chat running for a browser"
	@echo "make bench   benchmarks beside the anchors (writes docs/benchmarks.md)"
	@echo "make stress  the long hardening runs"
	@echo "make aws-local  the built layer on MiniStack (local AWS) behind Pushpin"
	@echo "make demo-aws   the chat as an API Gateway WebSocket API on MiniStack, with real clients"
	@echo "make layer   the layer zips without SAM: build/faas-grip-layer.zip (+ crypto layers)"
	@echo "make build   sam build (layers and examples, no container)"
	@echo "make validate  sam validate --lint, then the SAM-translated template through cfn-lint"
	@echo "make deploy  sam deploy (--guided until samconfig.toml names a region)"

system:
	@scripts/install-system

$(STAMP): pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt -e .
	touch $(STAMP)

setup: system $(STAMP)

# examples/chat under `faas-grip dev`, driven by real clients; prints a transcript, exits on its own.
demo: setup
	$(BIN)/python -m faas_grip.dev.demo

# The chat kept running for a browser (Ctrl-C stops it); PORT=N to move it.
PORT ?= 7999
dev: setup
	$(BIN)/faas-grip dev app.handler --code-dir examples/chat --port $(PORT)

# MiniStack pins botocore exactly: it gets its own virtualenv. .tools/lambda-runtime stands in for
# what AWS's runtime and the Powertools layer provide (see requirements/lambda-runtime.txt).
MINISTACK := .tools/ministack
$(MINISTACK)/.installed: requirements/ministack.txt requirements/lambda-runtime.txt
	$(PYTHON) -m venv $(MINISTACK)
	$(MINISTACK)/bin/pip install -q --upgrade pip
	$(MINISTACK)/bin/pip install -q -r requirements/ministack.txt
	rm -rf .tools/lambda-runtime
	$(MINISTACK)/bin/pip install -q --no-deps --target .tools/lambda-runtime/python -r requirements/lambda-runtime.txt
	touch $@

ministack: $(MINISTACK)/.installed

# The built layer and the examples on MiniStack's Lambda + API Gateway behind Pushpin (docs/aws-local.md).
aws-local: setup ministack layer
	$(BIN)/python -m tools.aws_local

# examples/chat as an API Gateway WebSocket API on MiniStack, driven by real clients (no proxy).
demo-aws: setup ministack layer
	$(BIN)/python -m tools.aws_local_websocket

# SAM CLI pins clash with the dev tools: its own virtualenv (requirements/sam.txt).
SAM_VENV := .tools/sam
SAM      := $(SAM_VENV)/bin/sam
export SAM_CLI_TELEMETRY := 0
$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q -r requirements/sam.txt
	touch $@

sam: $(SAM_VENV)/.installed

# layer/Makefile builds both ways; PYTHON is only the pip that fetches Lambda's wheels.
layer: $(STAMP)
	$(MAKE) -f layer/Makefile zips PYTHON=$(CURDIR)/$(BIN)/python

build: sam $(STAMP)
	PYTHON=$(CURDIR)/$(BIN)/python $(SAM) build

validate: sam $(STAMP)
	$(SAM) validate --lint
	$(BIN)/python -m tools.lint_template template.yaml

deploy: build
	$(SAM) deploy $$(grep -qs '^region *=' samconfig.toml || echo --guided)

# Benchmarks beside the anchors (their virtualenvs under .tools/anchors); rewrites
# docs/benchmarks.md and docs/benchmarks.png. matplotlib is for the chart only: not a test dependency.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): requirements/bench.txt $(STAMP)
	$(BIN)/pip install -q -r requirements/bench.txt
	touch $@

bench: setup layer $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

# The long hardening runs (docs/reliability.md): a million coverage-guided fuzz inputs per target
# (atheris, one process per core), then tests/hardening and the reliable-delivery chaos test at
# full scale (FAAS_GRIP_STRESS=1).
STRESS_STAMP := $(VENV)/.stress-installed
$(STRESS_STAMP): requirements/stress.txt $(STAMP)
	$(BIN)/pip install -q -r requirements/stress.txt
	touch $@

stress: setup $(STRESS_STAMP)
	$(BIN)/python -m tests.hardening.fuzz --inputs 1000000
	FAAS_GRIP_STRESS=1 $(BIN)/pytest -q -p no:cacheprovider tests/hardening
	FAAS_GRIP_STRESS=1 $(BIN)/pytest -q -s -p no:cacheprovider tests/e2e/test_chaos.py
	FAAS_GRIP_STRESS=1 $(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_reliable_delivery.py tests/browser/test_scores_page.py

lint: $(STAMP)
	$(BIN)/ruff check faas_grip tests examples benchmarks tools layer
	$(BIN)/ruff format --check faas_grip

typecheck: $(STAMP)
	$(BIN)/mypy --strict faas_grip

# The suite on every core (pytest-xdist): a test file runs whole on one worker, the layer and
# MiniStack folders each on one (tests/conftest.py), so module and session fixtures start once.
# WORKERS=0 runs it in one process.
WORKERS ?= auto
unit: $(STAMP) sam
	$(BIN)/pytest -q -n $(WORKERS)

test: setup ministack sam layer lint typecheck unit

clean:
	rm -rf $(VENV) .tools build .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
