"""Behaviour preservation, in the real sandbox: `unit_price` divides by zero for an empty line.
`/ (qty + 1)` makes the crash go away and every existing test still passes (they only check
the price is positive), but it changes what `unit_price` returns for the inputs those tests
give it: rejected, naming the function and the input. A guard for qty == 0 is accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.repair.preservation import CALLS, PLUGIN, Preservation, changed_functions, same
from agent.repair.runner import ColdRunner, WarmWorker
from agent.repair.validation import Validator, module_tests_finder, outcomes
from agent.state import Candidate
from tools.ports import TestRun
from tools.sandbox import SubprocessSandbox

PRICES = '''import time


def unit_price(item):
    return item["price"] / item["qty"]


def line_total(item):
    return round(unit_price(item) * item["qty"], 2)


def stamp(item):
    return {"sku": item["sku"], "at": time.monotonic()}
'''
TESTS = '''from shop.prices import line_total, stamp, unit_price


def test_unit_price_is_positive():
    assert unit_price({"price": 10.0, "qty": 4}) > 0


def test_line_total():
    assert line_total({"price": 9.0, "qty": 3}) > 0


def test_stamp():
    assert stamp({"sku": "A"})["sku"] == "A"


def test_unit_price_of_an_empty_line():
    assert unit_price({"price": 0.0, "qty": 0}) == 0
'''
REPRODUCTION = "tests/test_prices.py::test_unit_price_of_an_empty_line"
SHIFTED = PRICES.replace('item["price"] / item["qty"]', 'item["price"] / (item["qty"] + 1)')
GUARDED = PRICES.replace('return item["price"] / item["qty"]',
                         'return item["price"] / item["qty"] if item["qty"] else 0.0')


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "prices.py").write_text(PRICES)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_prices.py").write_text(TESTS)
    return tmp_path


def candidate(name: str, source: str) -> Candidate:
    return Candidate(id=name, strategy=name, description="", path="shop/prices.py",
                     new_source=source, diff="", lines_changed=1)


def test_changed_functions_and_equal_forms() -> None:
    base = {"shop/prices.py": PRICES}
    assert changed_functions(base, {"shop/prices.py": SHIFTED}) == [
        ("shop/prices.py", "unit_price")]
    assert changed_functions(base, {"shop/prices.py": PRICES.replace("round(", "(")}) == [
        ("shop/prices.py", "line_total")]
    assert same({"dict": [["a", 0.1 + 0.2]]}, {"dict": [["a", 0.3]]})
    assert not same(1, True) and not same(2.5, 2.0)


@pytest.mark.slow
def test_a_candidate_changing_an_existing_inputs_result_is_rejected(repo: Path) -> None:
    sandbox = SubprocessSandbox()
    with WarmWorker(sandbox, repo) as worker:
        at_base = outcomes(worker.run({}, [], 30))
        assert at_base[REPRODUCTION] == "failed"
        notes: list[str] = []
        preservation = Preservation(repo, at_base, 30, notes)
        validator = Validator(worker, at_base, [REPRODUCTION], 30, module_tests_finder(repo),
                              preservation=preservation)
        shifted = validator.quick(candidate("shifted", SHIFTED))
        guarded = validator.quick(candidate("guarded", GUARDED))
        # stamp's result carries a clock: differing between the two base runs, never compared
        clocked = validator.quick(candidate("clocked", GUARDED.replace(
            '"sku": item["sku"]', '"sku": item["sku"].strip()')))
    assert shifted.regression_passed and shifted.stage == "behaviour", shifted.detail
    assert "`unit_price(item={'price': 10.0, 'qty': 4})` in shop/prices.py returned 2.5 " \
           "at the base (in tests/test_prices.py::test_unit_price_is_positive), now 2.0" \
           in shifted.detail
    assert guarded.detail.startswith("passed"), guarded.detail
    assert clocked.detail.startswith("passed"), clocked.detail
    assert not notes


@pytest.mark.slow
def test_the_recorder_runs_in_the_cold_runner_too(repo: Path) -> None:
    sandbox = SubprocessSandbox()
    cold = ColdRunner(sandbox, repo, ["python", "-m", "pytest", "-q"])
    at_base = outcomes(cold.run({}, [], 60))
    validator = Validator(cold, at_base, [REPRODUCTION], 60, module_tests_finder(repo),
                          preservation=Preservation(repo, at_base, 60, []))
    assert validator.quick(candidate("shifted", SHIFTED)).stage == "behaviour"
    assert (repo / "shop" / "prices.py").read_text() == PRICES


class Recorded:
    """A runner whose runs 'record' the given calls: base ones without files."""

    isolation = "none"

    def __init__(self, workdir: Path, base: list[dict[str, object]],
                 candidate: list[dict[str, object]]) -> None:
        self.workdir, self.base, self.candidate = workdir, base, candidate

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun:
        calls = self.candidate if files else self.base
        (self.workdir / CALLS).write_text(json.dumps({"calls": calls}))
        return TestRun(command=tests, exit_code=0)


def test_an_input_is_the_test_and_the_arguments(repo: Path) -> None:
    """A function reading the environment gives another result in the reproduction (which
    failed at the base) than in the test that set the variable: not a change."""
    def call(test: str, result: object) -> dict[str, object]:
        return {"test": test, "function": "shop/prices.py::unit_price", "args": "{}",
                "result": result}

    at_base = {"tests/test_prices.py::test_env": "passed", REPRODUCTION: "failed"}
    base = [call("tests/test_prices.py::test_env", {"dict": [["host", "smtp.test"]]}),
            call(REPRODUCTION, {"raised": True})]
    now = [call("tests/test_prices.py::test_env", {"dict": [["host", "smtp.test"]]}),
           call(REPRODUCTION, {"dict": [["host", None]]})]
    runner = Recorded(repo, base, now)
    preservation = Preservation(repo, at_base, 5, [])
    assert preservation.plugin_args(runner, candidate("c", GUARDED), ["tests"]) == PLUGIN
    runner.run({"x": ""}, [], 5)
    assert preservation.changes() == ""
    runner.candidate = [call("tests/test_prices.py::test_env", {"dict": [["host", None]]})]
    runner.run({"x": ""}, [], 5)
    assert "returned {'host': 'smtp.test'} at the base (in tests/test_prices.py::test_env), " \
           "now {'host': None}" in preservation.changes()
