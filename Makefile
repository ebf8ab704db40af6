# impactlib — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
export MPLBACKEND = Agg

.PHONY: run test clean-venv bench

run: $(VENV)/.installed
	$(BIN)/impactlib report --project data/sample -o reports
	@echo "Open reports/index.html"

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-dev
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the install also compiles the tagger's hot modules (setup.py): rebuild when they change
COMPILED = setup.py $(wildcard impactlib/nlp/*.py)

$(VENV)/.installed: pyproject.toml $(COMPILED) | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(COMPILED) | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(VENV)/.installed $@

clean-venv:
	rm -rf $(VENV)
