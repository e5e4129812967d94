# Every target sets itself up: a .venv inside the checkout, reinstalled when pyproject changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/alertfix demo

# The whole suite, slow end-to-end tests included (CI runs exactly this), on both cores.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

# The evaluation corpus end to end (evals/cases), as CI runs it on pull requests.
eval: $(STAMP)
	$(BIN)/alertfix eval --jobs 2 --out alertfix-eval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .alertfix alertfix-demo alertfix-eval
