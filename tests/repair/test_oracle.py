"""The differential oracle, on a real small repository in the real sandbox: the culprit
renames the order's "user" key and misses one reader. The regression test expects what
`checkout` returned at the culprit's parent, so `order.get("user", 0)` (the crash gone, every
invoice billed to user 0) fails it and reading "user_id" passes; where no such value exists
the test says so and stays a no-raise test."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.repair.base import CulpritChange
from agent.repair.oracle import assertions, culprit_writes, differential_test
from agent.repair.regression import write_regression_test
from agent.repair.runner import WarmWorker
from agent.repair.validation import Validator, module_tests_finder, outcomes
from agent.state import Candidate
from tests.rca.history import History
from tools.ports import Alert, Frame
from tools.sandbox import SubprocessSandbox

ORDERS = '''def make_order(cart):
    return {"user": cart["user"], "amount": cart["amount"]}


def invoice_line(order):
    return {"user": order["user"], "total": round(order["amount"] * 1.2, 2)}


def receipt(order):
    return f"order of {order['user']}"


def checkout(cart):
    order = make_order(cart)
    return invoice_line(order)
'''
TESTS = '''from shop.orders import make_order, receipt


def test_receipt_names_the_user():
    assert receipt(make_order({"user": 7, "amount": 10.0})) == "order of 7"
'''
MITIGATION = 'order.get("user", 0)'
FIX = 'order["user_id"]'


def shop(path: Path) -> tuple[History, str, str]:
    """A history whose last commit renames "user" to "user_id" (and adds a currency)."""
    history = History(path)
    history.commit("Orders and invoices", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                           "tests/test_orders.py": TESTS})
    parent = history.head
    renamed = (ORDERS.replace('{"user": cart["user"], "amount": cart["amount"]}',
                              '{"user_id": cart["user"], "amount": cart["amount"], '
                              '"currency": "EUR"}')
               .replace("order['user']", "order['user_id']"))
    culprit = history.commit("Orders carry user_id and their currency",
                             {"shop/orders.py": renamed})
    return history, parent, culprit


def culprit_change(history: History, parent: str, culprit: str) -> CulpritChange:
    before = history.repo.git.show(f"{parent}:shop/orders.py", strip_newline_in_stdout=False)
    after = history.repo.git.show(f"{culprit}:shop/orders.py", strip_newline_in_stdout=False)
    return CulpritChange(sha=culprit, summary="rename", files={
        "shop/orders.py": (before, after, after)})


def the_alert(history: History) -> tuple[Alert, list[Frame]]:
    source = (history.path / "shop/orders.py").read_text()
    lines = source.splitlines()
    frames = [
        Frame(filename="shop/orders.py", function="checkout", repo_path="shop/orders.py",
              lineno=lines.index("    return invoice_line(order)") + 1,
              context_line="    return invoice_line(order)",
              vars={"cart": {"user": 7, "amount": 10.0}}),
        Frame(filename="shop/orders.py", function="invoice_line", repo_path="shop/orders.py",
              lineno=next(i for i, t in enumerate(lines, 1) if 'order["user"]' in t),
              vars={"order": {"user_id": 7, "amount": 10.0, "currency": "'EUR'"}}),
    ]
    alert = Alert(source="sentry", exception_type="KeyError", exception_message="'user'",
                  frames=frames, fingerprint="f")
    return alert, frames


def candidate(name: str, source: str) -> Candidate:
    return Candidate(id=name, strategy=name, description="", path="shop/orders.py",
                     new_source=source, diff="", lines_changed=1)


def test_the_culprits_writes_split_into_added_and_dropped() -> None:
    renamed = ORDERS.replace('{"user": cart["user"]', '{"user_id": cart["user"]')
    added, dropped = culprit_writes(CulpritChange("c", "", {"o.py": (ORDERS, renamed, None)}))
    assert added == {"user_id"} and dropped == {"user"}  # "amount" was rewritten, unchanged
    shape = {"dict": [["total", 12.0], ["user", 7], ["user_id", 7]]}
    lines, imports, compared = assertions(shape, added, dropped)
    assert lines[0] == "    assert result['total'] == pytest.approx(12.0)\n"
    assert "result.get('user', 7) == 7" in lines[1] and len(lines) == 2
    assert imports == {"import pytest"} and compared == ["result['total']", "result['user']"]
    again = {"dict": [["total", 12.0], ["user", 7], ["user_id", 8]]}
    clocked = {"dict": [["at", 1.5], ["total", 12.0]]}
    lines, _, compared = assertions(clocked, set(), set(), {"dict": [["at", 2.5],
                                                                     ["total", 12.0]]})
    assert compared == ["result['total']"]  # what differed between two runs is a clock
    assert assertions(shape, added, dropped, again)[2] == [*compared, "result['user']"]


@pytest.mark.slow
def test_the_parents_value_rejects_a_default_and_accepts_the_rename(tmp_path: Path) -> None:
    history, parent, culprit = shop(tmp_path / "shop")
    alert, frames = the_alert(history)
    sandbox = SubprocessSandbox()
    sources = {"shop/orders.py": (history.path / "shop/orders.py").read_text()}
    test, why = differential_test(sandbox, history.repo, "python", alert, frames, sources,
                                  history.head, culprit_change(history, parent, culprit),
                                  "tests", "AF-12", tmp_path / "worktrees")
    assert test is not None, why
    assert test.oracle_strength == "differential value" and test.expected_from == parent
    # invoice_line's own input has no "user" at the parent either: the stack's top is replayed
    assert "result = checkout(cart={'user': 7, 'amount': 10.0})" in test.source
    assert "assert result['total'] == pytest.approx(12.0)" in test.source
    assert "result.get('user', 7) == 7" in test.source and "currency" not in test.source
    (history.path / test.path).write_text(test.source)
    base = history.path / "shop/orders.py"
    source = base.read_text()
    with WarmWorker(sandbox, history.path) as worker:
        at_base = outcomes(worker.run({}, [], 30))
        assert at_base[test.nodeid] == "failed"
        validator = Validator(worker, at_base, [test.nodeid], 30,
                              module_tests_finder(history.path))
        masked = validator.quick(candidate("mitigation", source.replace(
            'order["user"]', MITIGATION)))
        fixed = validator.quick(candidate("fix", source.replace('order["user"]', FIX)))
    assert masked.stage == "reproduction" and not masked.regression_passed
    assert fixed.regression_passed and fixed.detail.startswith("passed")


def test_without_a_value_the_test_says_why_and_stays_no_raise(tmp_path: Path) -> None:
    history, _, _ = shop(tmp_path / "shop")
    alert, frames = the_alert(history)
    sources = {"shop/orders.py": (history.path / "shop/orders.py").read_text()}
    test, why = differential_test(SubprocessSandbox(), history.repo, "python", alert, frames,
                                  sources, history.head, None, "tests", "AF-13")
    assert test is None and "no culprit" in why
    weak = write_regression_test(alert, frames, sources, "tests", "AF-13", no_value=why)
    assert weak is not None and weak.oracle_strength == "no-raise only"
    assert "no culprit" in weak.description and "no culprit" in weak.source
    assert weak.compared == [] and weak.expected_from == ""


@pytest.mark.slow
def test_a_parent_that_fails_too_leaves_no_differential_value(tmp_path: Path) -> None:
    history, parent, culprit = shop(tmp_path / "shop")
    alert, frames = the_alert(history)
    only_inner = frames[1:]  # the stack's top was not captured: invoice_line alone
    sources = {"shop/orders.py": (history.path / "shop/orders.py").read_text()}
    test, why = differential_test(SubprocessSandbox(), history.repo, "python", alert,
                                  only_inner, sources, history.head,
                                  culprit_change(history, parent, culprit), "tests", "AF-14",
                                  tmp_path / "worktrees")
    assert test is None and "also failed at the culprit's parent (KeyError)" in why
