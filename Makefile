# Two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bytecode clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# zca-sim starts a fresh interpreter for every call; cached bytecode keeps that cheap even where
# PYTHONDONTWRITEBYTECODE is set.
bytecode: $(STAMP)
	$(PY) -m compileall -q errbot_zalouser plugins > /dev/null

# `make run ARGS=--reset`: the simulator demo from scratch (forgets earlier approvals and chats).
run: bytecode
	@$(PY) -m errbot_zalouser run $(ARGS)

# Lint, types and the import contracts (tests/test_architecture.py) are part of the test command.
lint: $(STAMP)
	$(PY) -m ruff check errbot_zalouser plugins tests bench
	$(PY) -m mypy

test: lint bytecode
	$(PY) -m pytest

bench: bytecode
	$(PY) -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache .sim
