"""Confirmation by running code in the sandbox: the regression test at a suspect and its
parent, bisection when the top suspect is wrong, and CI alerts reproduced from the suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.rca.analyse import Options, Runner, analyse
from agent.rca.confirm import Reproduction, confirm_root_cause, confirm_suspect
from agent.state import RootCause, Suspect
from tests.rca.history import History
from tools.ports import Alert
from tools.sandbox import SubprocessSandbox

FEES = '''def shipping_fee(total):
    if total >= 50:
        return 0.0
    return 4.99
'''
FEES_TEST = '''from shop.fees import shipping_fee


def test_free_from_fifty():
    assert shipping_fee(50) == 0.0


def test_paid_below():
    assert shipping_fee(10) == 4.99
'''
REGRESSION = '''from shop.fees import shipping_fee


def test_fifty_ships_free():
    assert shipping_fee(50) == 0.0
'''
COMMAND = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]


@pytest.fixture
def shop(tmp_path: Path) -> tuple[History, str]:
    """Fees with a wrong operator introduced by the 3rd commit of 5."""
    history = History(tmp_path / "shop")
    history.commit("Fees", {"shop/__init__.py": "", "shop/fees.py": FEES,
                            "tests/test_fees.py": FEES_TEST})
    history.deploy()
    history.commit("README", {"README.md": "shop\n"})
    culprit = history.edit("Fees: tidy the threshold", "shop/fees.py", ">= 50", "> 50")
    history.commit("Docs", {"README.md": "shop, fees\n"})
    history.commit("More docs", {"README.md": "shop, fees, docs\n"})
    history.deploy()
    return history, culprit


def _rc(history: History, top: str) -> RootCause:
    return RootCause(base_sha=history.head, window=history.repo.git.rev_list(
        "--reverse", "deploy-1..HEAD").split(), window_start=history.deploys()[0].sha,
        suspects=[Suspect(sha=top, summary="s", author="a", date="d", score=1.0)])


@pytest.mark.slow
def test_confirm_then_bisect_when_the_top_suspect_is_wrong(shop: tuple[History, str],
                                                           tmp_path: Path) -> None:
    history, culprit = shop
    sandbox = SubprocessSandbox()
    reproduction = Reproduction(command=COMMAND, nodeids=["tests/test_regression.py"],
                                files={"tests/test_regression.py": REGRESSION},
                                exception_type="AssertionError", timeout_s=60)
    confirmed = confirm_suspect(sandbox, history.repo, culprit, reproduction)
    assert confirmed.confirmed and confirmed.at_parent == "good"

    wrong = history.repo.git.rev_parse("HEAD~1")  # "Docs": the test fails there and before
    rc = confirm_root_cause(_rc(history, wrong), sandbox, history.repo, reproduction)
    assert rc.suspects[0].sha == culprit and rc.suspects[0].confirmed
    assert rc.confirmed and "found by bisection" in rc.confirmation


@pytest.mark.slow
def test_a_ci_alert_is_reproduced_bisected_and_located(shop: tuple[History, str],
                                                       tmp_path: Path) -> None:
    history, culprit = shop
    alert = Alert(source="ci", release=history.head, fingerprint="ci", title="tests",
                  occurred_at=history.clock, raw={"check_run": {"output": {
                      "text": "FAILED tests/test_fees.py::test_free_from_fifty"}}})
    (tmp_path / "wt").mkdir()
    runner = Runner(SubprocessSandbox(), COMMAND, 60, tmp_path / "wt")
    rc = analyse(alert, history.repo, history.deploys(),
                 Options(default_ref="main", runner=runner))
    assert rc.reproduction == ["tests/test_fees.py::test_free_from_fifty"]
    assert rc.suspects[0].sha == culprit and rc.confirmed
    assert "bisect" in rc.suspects[0].kinds
    assert rc.location and (rc.location.path, rc.location.function) == (
        "shop/fees.py", "shipping_fee")
    assert "test_free_from_fifty" in rc.explanation
