# cosmos-flow: `make run` and `make test` do everything on a fresh machine.
# The first call creates .venv and installs the pinned dependencies (requirements.lock, a few
# minutes); later calls skip the install until pyproject.toml or requirements.lock change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DVC_REMOTE ?= $(abspath ../cosmos-flow-dvc-store)

# Telemetry off for Kedro, DVC, Great Expectations and MLflow; the venv's tools first on PATH
# (dvc.yaml's stages call `kedro`).
export DO_NOT_TRACK := 1
export KEDRO_DISABLE_TELEMETRY := true
export DVC_NO_ANALYTICS := true
export GX_ANALYTICS_ENABLED := False
export MLFLOW_DISABLE_TELEMETRY := true
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup run test lint repro notebooks mlflow-ui dvc-remote lock

help:
	@echo "make run         set up, then run the default pipeline (kedro run) and record it in DVC"
	@echo "make test        set up, then run the tests"
	@echo "make lint        ruff (lint and format) and the import layers of docs/ARCHITECTURE.md (lint-imports)"
	@echo "make repro       set up, then dvc repro (rerun only the stages whose inputs changed)"
	@echo "make notebooks   run every notebook in notebooks/ top to bottom (after make run)"
	@echo "make mlflow-ui   open the MLflow UI on http://127.0.0.1:5000 over mlflow.db"
	@echo "make dvc-remote  configure a local DVC remote at DVC_REMOTE=$(DVC_REMOTE) for dvc push"

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "cosmos-flow needs Python 3.11 ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing cosmos-flow and its pinned dependencies into $(VENV) (first time: a few minutes)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	@touch $(STAMP)

run: setup
	$(BIN)/kedro run
	@# The run just produced every stage's outputs from the current code and parameters: record
	@# them in dvc.lock, so `dvc repro` and `dvc status` see the pipeline as up to date.
	$(BIN)/dvc commit --force --quiet

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

repro: setup
	$(BIN)/dvc repro

notebooks: setup
	$(BIN)/python notebooks/run_notebooks.py

mlflow-ui: setup
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

dvc-remote: setup
	mkdir -p $(DVC_REMOTE)
	$(BIN)/dvc remote add --local --default --force localstore $(DVC_REMOTE)
	@echo "DVC remote 'localstore' -> $(DVC_REMOTE); push data with: .venv/bin/dvc push"

# Re-pin every dependency after changing pyproject.toml (maintainers only).
lock: setup
	$(BIN)/python -m pip install --quiet -e . 2>&1 | { grep -v "is ignored" || true; }
	$(BIN)/python -m pip freeze --exclude-editable | grep -v "^-e" > requirements.lock
