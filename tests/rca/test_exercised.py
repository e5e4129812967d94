"""CI failures on a test's own assert: no frame in the code under test, so the commit that
changed what the failing test runs, after the last passing run, is the suspect."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.rca.analyse import Options, Runner, analyse
from agent.rca.exercised import exercised_functions
from agent.rca.scoring import rank
from tests.rca.history import History
from tools.code_index import commit_index
from tools.ports import Alert
from tools.sandbox import SubprocessSandbox

FEES = '''from shop.rules import threshold


def shipping_fee(total):
    if total >= threshold():
        return 0.0
    return 4.99


def describe(total):
    return f"{total:.2f}"
'''
RULES = '''def threshold():
    return 50
'''
TESTS = '''from shop.fees import shipping_fee


def check(total, fee):
    assert shipping_fee(total) == fee


def test_free_from_fifty():
    check(50, 0.0)


def test_paid_below():
    assert shipping_fee(10) == 4.99
'''
NODE = "tests/test_fees.py::test_free_from_fifty"
COMMAND = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "shop")


def _shop(history: History) -> None:
    history.commit("Fees", {"shop/__init__.py": "", "shop/fees.py": FEES,
                            "shop/rules.py": RULES, "tests/test_fees.py": TESTS})


def test_the_functions_a_failing_test_runs_are_read_through_its_helpers(
        history: History) -> None:
    _shop(history)
    history.commit("A second definition elsewhere", {"tools/fees.py": "def shipping_fee():\n"
                                                     "    return 1\n"})
    tested = exercised_functions(history.repo, commit_index(history.repo), history.head, [NODE])
    # `check` (a helper of the test file) is read through, not listed; the imported module's
    # definition wins over another file's; what it calls comes one level deeper.
    assert [(t.path, t.qualname, t.depth) for t in tested] == [
        ("shop/fees.py", "shipping_fee", 1), ("shop/rules.py", "threshold", 2)]
    assert exercised_functions(history.repo, commit_index(history.repo), history.head,
                            ["tests/test_fees.py"]) == []  # a file, not a test function


def test_the_window_commit_that_changed_the_tested_function_ranks_first(
        history: History) -> None:
    _shop(history)
    before = history.edit("Fees: free from 40", "shop/fees.py", "return 4.99", "return 3.99")
    history.deploy()
    other = history.edit("Describe with a currency", "shop/fees.py", 'f"{total:.2f}"',
                         'f"{total:.2f} EUR"')
    culprit = history.edit("Fees: tidy the threshold", "shop/fees.py", ">= threshold()",
                           "> threshold()")
    docs = history.commit("Docs", {"README.md": "shop\n"})
    index = commit_index(history.repo)
    tested = exercised_functions(history.repo, index, history.head, [NODE])
    window = [other, culprit, docs]
    ranked = rank(history.repo, index, history.head, window, [], [], tested)
    assert [s.sha for s in ranked] == [culprit]
    assert ranked[0].strong and "tested-function" in ranked[0].kinds
    assert "`shipping_fee`" in ranked[0].evidence[0]
    assert "test_free_from_fifty" in ranked[0].evidence[0]
    assert before not in [s.sha for s in ranked]  # it changed the function but ran clean


def test_a_change_to_a_function_the_tested_one_calls_is_weaker_evidence(
        history: History) -> None:
    _shop(history)
    callee = history.edit("Rules: raise the threshold", "shop/rules.py", "50", "60")
    direct = history.edit("Fees: cheaper", "shop/fees.py", "return 4.99", "return 3.99")
    index = commit_index(history.repo)
    tested = exercised_functions(history.repo, index, history.head, [NODE])
    ranked = rank(history.repo, index, history.head, [callee, direct], [], [], tested)
    assert [s.sha for s in ranked] == [direct, callee]
    assert "tested-callee" in ranked[1].kinds and not ranked[1].strong


@pytest.mark.slow
def test_a_ci_failure_where_the_tests_came_first_blames_the_new_code(
        history: History, tmp_path: Path) -> None:
    """The tests were pushed before the code they test, so bisection cannot decide (the test
    file does not even import at the older commit): the change to the tested function is
    still named, above the commit that added the tests."""
    history.commit("Fees: tests first", {"tests/test_fees.py": TESTS})
    culprit = history.commit("Fees", {"shop/__init__.py": "", "shop/rules.py": RULES,
                                      "shop/fees.py": FEES.replace(">= threshold()",
                                                                   "> threshold()")})
    alert = Alert(source="ci", release=history.head, fingerprint="ci", title="tests",
                  occurred_at=history.clock, raw={"check_run": {"output": {
                      "text": f"FAILED {NODE}"}}})
    (tmp_path / "wt").mkdir()
    runner = Runner(SubprocessSandbox(), COMMAND, 60, tmp_path / "wt")
    rc = analyse(alert, history.repo, history.deploys(),
                 Options(default_ref="main", runner=runner))
    assert not rc.confirmed  # nothing passed before: bisection had nothing to go on
    assert rc.suspects[0].sha == culprit and "tested-function" in rc.suspects[0].kinds
    assert not rc.no_culprit_in_history
    assert rc.location and (rc.location.path, rc.location.function) == (
        "shop/fees.py", "shipping_fee")
