# Every target sets itself up: a .venv inside the checkout with exactly the versions in
# dev.lock (hashes checked), reinstalled when the lock or pyproject changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed

.PHONY: install lock demo test test-slow lint eval clean

$(STAMP): pyproject.toml dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep -m1 '^uv==' dev.lock | cut -d' ' -f1)"
	$(UV) pip sync --quiet --python $(BIN)/python dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Re-resolve dev.lock after changing dependencies in pyproject.toml. Runtime dependencies stay
# ranges in pyproject; only development and CI environments are pinned.
lock:
	test -x $(UV) || $(MAKE) install
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url \
	  --no-header --python-version 3.11 --quiet -o dev.lock

demo: $(STAMP)
	$(BIN)/alertfix demo

# The suite without the slow end-to-end tests (about ten minutes on two cores).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

# The slow end-to-end tests (whole incidents, installs, real servers); CI runs them after `test`.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow

# The evaluation corpus end to end (evals/cases), as CI runs it on pull requests.
eval: $(STAMP)
	$(BIN)/alertfix eval --jobs 2 --out alertfix-eval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .alertfix alertfix-demo alertfix-eval
