# make install | apply | destroy | stop | test | env | demo | lint
# TARGET=local (default: the embedded emulator) or TARGET=aws (the usual AWS credential chain).

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TARGET ?= local
export TARGET

# The state of `make apply` is kept per target so a local run never touches an AWS stack's state.
STATE            := .asyncdlq/$(TARGET)/terraform.tfstate
SIMULATE_FAILURE ?= 0
TF_VARS          := -var simulate_failure=$(if $(filter 1 true yes,$(SIMULATE_FAILURE)),true,false)
TF               := $(BIN)/asyncdlq terraform

.PHONY: install package up apply destroy stop test env demo lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

package: install
	@$(BIN)/asyncdlq package lambda build/lambda.zip

up: install
	@$(BIN)/asyncdlq up

apply: package up
	$(TF) init -input=false
	$(TF) apply -auto-approve -input=false -state=$(STATE) $(TF_VARS)

destroy: package up
	$(TF) init -input=false
	$(TF) destroy -auto-approve -input=false -state=$(STATE) $(TF_VARS)

stop: install
	@$(BIN)/asyncdlq stop

test: install
	$(BIN)/python -m pytest

env: install
	@$(BIN)/asyncdlq env

demo: package
	@$(BIN)/asyncdlq demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TF) fmt -check -recursive
