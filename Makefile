# The two commands a fresh clone needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint unit bench clean down

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit tests/conformance -q

demo: install
	$(BIN)/python -m qm.demo

down: install
	$(BIN)/qm local down

bench: install
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/hop.py
	$(BIN)/python bench/evaluation.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache out
