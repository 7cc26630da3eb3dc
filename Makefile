# make install | apply | destroy | stop | test | env | demo | lint | docs | sweep
# TARGET=local (default: the embedded emulator) or TARGET=aws (the usual AWS credential chain).

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TARGET ?= local
export TARGET

# The state of `make apply` is kept per target so a local run never touches an AWS stack's state.
STATE            := .asyncdlq/$(TARGET)/terraform.tfstate
# The tutorial's function: its name and zip, and SIMULATE_FAILURE=1 (make apply SIMULATE_FAILURE=1)
# passed to the handler as an environment variable; the module itself adds none.
SIMULATE_FAILURE ?= 0
TF_VARS          := -var function_name=demo-lambda -var package_path=build/lambda.zip \
                    $(if $(filter 1 true yes,$(SIMULATE_FAILURE)),-var 'environment_variables={ SIMULATE_FAILURE = "1" }')
TF               := $(BIN)/asyncdlq terraform
# make sweep: what crashed runs left behind goes once it is older than this.
OLDER_THAN       ?= 2h

.PHONY: install package up apply destroy stop test env demo lint docs sweep

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

# pytest-xdist; loadscope keeps each test module (and so its stacks) on one worker, so a stack is
# applied once. Two workers per core: most of a stack's apply is the provider waiting (~25 s per
# new queue), and more workers overlap those waits with each other and with CPU-bound tests
# (measured on 2 cores: 287 s with 4 workers, 346 s with 2; bench/make_test_floor.py).
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) )))
# The emulators the harness starts (the end-to-end and example tests) behave like AWS at its
# least convenient (emulator/profile.py: late retries, delayed and throttled logs, IAM
# propagation, duplicates...), so a local green predicts an AWS green; the emulator's own tests
# start theirs in-process with the plain profile. ASYNCDLQ_EMULATOR_PROFILE=plain opts out.
test: export ASYNCDLQ_EMULATOR_PROFILE ?= aws
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

env: install
	@$(BIN)/asyncdlq env

demo: package
	@$(BIN)/asyncdlq demo

# Every directory terraform runs in; each commits its .terraform.lock.hcl.
STACK_DIRS := . examples/*/ examples/harness/stack/ tests/stacks/seed/ tests/harness/stacks/interruptible/

# ruff; terraform fmt; the README tables are current; checkov (own venv, offline, skips inline
# only); terraform validate of the module and of each stack, whose committed lock must match its
# versions.tf (-lockfile=readonly). TF_BINARY=tofu lints with OpenTofu.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TF) fmt -check -recursive
	$(BIN)/python scripts/tf_docs.py --check
	PYTHON=$(PYTHON) scripts/checkov.sh
	@set -e; for dir in $(STACK_DIRS); do \
	  dir=$${dir%/}; ls $$dir/*.tf >/dev/null 2>&1 || continue; echo "validate $$dir"; \
	  $(TF) -chdir=$$dir init -backend=false -input=false -lockfile=readonly >/dev/null || \
	    { echo "terraform init failed in $$dir (a stale .terraform.lock.hcl? docs/module.md, Provider versions and lock files)" >&2; \
	      $(TF) -chdir=$$dir init -backend=false -input=false -lockfile=readonly; exit 1; }; \
	  $(TF) -chdir=$$dir validate; \
	done

# The README's inputs/outputs tables, from the module's *.tf files.
docs: install
	$(BIN)/python scripts/tf_docs.py --write

# Delete what crashed test runs left on the TARGET (tagged or named adlq-*), once older than
# OLDER_THAN; TARGET=aws only in the account ASYNCDLQ_AWS_ACCOUNT_ID names.
sweep: install
	$(BIN)/asyncdlq sweep --older-than $(OLDER_THAN)
