# The two commands a fresh clone needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# checkov pins boto3 to an older release than ours, so it lives in a venv of its own.
CHECKOV_VENV  := $(VENV)/checkov
CHECKOV       := $(CHECKOV_VENV)/bin/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp
SYSTEM_DEPS   := scripts/install-system-deps.sh

.PHONY: install demo test lint unit bench probe clean down package package-check system-deps

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The Debian packages some tests need (idempotent); skipped until the script exists.
system-deps:
	if [ -x $(SYSTEM_DEPS) ]; then $(SYSTEM_DEPS); fi

test: lint package-check system-deps
	$(BIN)/pytest

# The deployable template, offline: infra definition merged into what `chalice package` writes.
package: install
	mkdir -p out
	$(BIN)/python -m infra.definition --stage prod --mode lambda > out/infra.json
	AWS_DEFAULT_REGION=us-east-1 $(BIN)/chalice package --stage prod \
		--merge-template out/infra.json out/

# cfn-lint: no errors (nor warnings); checkov: no failed check, suppressions only in the template.
package-check: package $(CHECKOV_STAMP)
	$(BIN)/cfn-lint out/sam.json
	$(CHECKOV) -f out/sam.json --framework cloudformation --skip-download --compact --quiet

unit: install
	$(BIN)/pytest tests/unit tests/conformance -q

demo: install
	$(BIN)/python -m qm.demo

down: install
	$(BIN)/qm local down

bench: install
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/hop.py
	$(BIN)/python bench/hop_profile.py
	$(BIN)/python bench/evaluation.py
	$(BIN)/python bench/evaluation_e2e.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/bridge.py
	$(BIN)/python bench/deploy.py
	$(BIN)/python bench/package_size.py --rebuild

# Hostile requests against the embedded runtime (it starts and stops its own): one line per
# probe, exit code 0 only when every one is answered as docs/api.md says.
probe: install
	$(BIN)/python bench/hostile_probe.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache out
