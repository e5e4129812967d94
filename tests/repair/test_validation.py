"""Which tests reproduce the failure: the regression test when it fails with the alert's
error at the base, the repository's own tests already failing with that error, and for a ci
alert the tests failing at the base."""

from __future__ import annotations

from pathlib import Path

from agent.repair.validation import module_tests_finder, reproduction_from
from agent.state import Candidate, RegressionTest
from tools.ports import Alert, TestCaseResult, TestRun


def run(*tests: tuple[str, str, str]) -> TestRun:
    return TestRun(command=["pytest"], exit_code=1, tests=[
        TestCaseResult(nodeid=n, outcome=o, message=m) for n, o, m in tests])


REGRESSION = RegressionTest(path="tests/test_alertfix_af_1.py", source="", description="",
                            nodeid="tests/test_alertfix_af_1.py::test_x")


def test_sentry_alert_reproduced_by_the_regression_test_and_same_error_tests() -> None:
    alert = Alert(source="sentry", exception_type="StockError", exception_message="m",
                  fingerprint="f")
    baseline = run((REGRESSION.nodeid, "failed", "E   inventory.StockError: negative"),
                   ("tests/test_w.py::test_ships", "failed", "E   inventory.StockError: x"),
                   ("tests/test_w.py::test_other", "failed", "E   AssertionError"),
                   ("tests/test_w.py::test_ok", "passed", ""))
    notes: list[str] = []
    reproduction, regression = reproduction_from(alert, baseline, REGRESSION, notes)
    assert regression is not None and regression.reproduces
    assert reproduction == [REGRESSION.nodeid, "tests/test_w.py::test_ships"]


def test_a_regression_test_failing_otherwise_is_left_out() -> None:
    alert = Alert(source="sentry", exception_type="KeyError", exception_message="m",
                  fingerprint="f")
    baseline = run((REGRESSION.nodeid, "failed", "E   TypeError: wrong arguments"))
    notes: list[str] = []
    reproduction, regression = reproduction_from(alert, baseline, REGRESSION, notes)
    assert regression is None and reproduction == []
    assert "did not reproduce KeyError" in notes[0]


def test_ci_alert_reproduced_by_the_tests_failing_at_the_base() -> None:
    alert = Alert(source="ci", fingerprint="f")
    baseline = run(("tests/test_fees.py::test_at", "failed", "assert False"),
                   ("tests/test_fees.py::test_below", "passed", ""))
    reproduction, _ = reproduction_from(alert, baseline, None, [])
    assert reproduction == ["tests/test_fees.py::test_at"]


def test_module_tests_are_the_test_files_naming_the_changed_module(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fees.py").write_text("from shop.fees import fee\n")
    (tmp_path / "tests" / "test_cart.py").write_text("from shop.cart import total\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "fees.py").write_text("")
    find = module_tests_finder(tmp_path)
    candidate = Candidate(id="c", strategy="s", description="", path="shop/fees.py",
                          new_source="", diff="", lines_changed=0)
    assert find(candidate) == ["tests/test_fees.py"]


def test_a_module_that_failed_to_import_passes_when_all_its_tests_pass() -> None:
    from agent.repair.validation import passes

    assert passes("tests/test_a.py", {"tests/test_a.py::t1": "passed",
                                      "tests/test_a.py::t2": "passed"})
    assert not passes("tests/test_a.py", {"tests/test_a.py::t1": "failed"})
    assert not passes("tests/test_a.py", {"tests/test_a.py": "error"})
    assert not passes("tests/test_a.py", {"tests/test_b.py::t": "passed"})
    assert passes("tests/test_a.py::t1", {"tests/test_a.py::t1": "passed"})
