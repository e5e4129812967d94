"""The warm worker, in the real sandbox: a candidate's files are served from memory (disk
untouched), modules that import the patched one see the patch, a looping candidate is
killed at its timeout, and answers match the cold `python -m pytest` run. Only plain tests
are called directly (worker_run.py), with the outcomes and reports of pytest's protocol."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.repair import worker_apply
from agent.repair.runner import ColdRunner, WarmWorker, written
from tools.sandbox import SubprocessSandbox

FEES = "def free_shipping(subtotal, threshold=50):\n    return subtotal > threshold\n"
CHECKOUT = ("from shop.fees import free_shipping\n\n\n"
            "def shipping(subtotal):\n    return 0 if free_shipping(subtotal) else 5\n")
TESTS = ("from shop.checkout import shipping\n\n\n"
         "def test_free_at_threshold():\n    assert shipping(50) == 0\n\n\n"
         "def test_paid_below():\n    assert shipping(10) == 5\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "fees.py").write_text(FEES)
    (tmp_path / "shop" / "checkout.py").write_text(CHECKOUT)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_checkout.py").write_text(TESTS)
    return tmp_path


def outcomes(run: object) -> dict[str, str]:
    return {t.nodeid: t.outcome for t in run.tests}  # type: ignore[attr-defined]


@pytest.mark.slow
def test_warm_worker_serves_candidates_and_agrees_with_a_cold_run(repo: Path) -> None:
    sandbox = SubprocessSandbox()
    fixed = {"shop/fees.py": FEES.replace(">", ">=")}
    looping = {"shop/fees.py": FEES.replace("return subtotal > threshold",
                                            "while True:\n        pass")}
    with WarmWorker(sandbox, repo) as worker:
        assert worker.preloaded >= 2  # shop, shop.fees, shop.checkout were imported once
        base = worker.run({}, [], 30)
        patched = worker.run(fixed, [], 30)
        stuck = worker.run(looping, ["tests/test_checkout.py::test_paid_below"], 2)
        again = worker.run({}, ["tests/test_checkout.py::test_free_at_threshold"], 30)
    assert outcomes(base) == {"tests/test_checkout.py::test_free_at_threshold": "failed",
                              "tests/test_checkout.py::test_paid_below": "passed"}
    # checkout.py imports the patched module: it must see the patch (transitive reload).
    assert set(outcomes(patched).values()) == {"passed"}
    assert stuck.timed_out and stuck.seconds < 10
    assert outcomes(again) == {"tests/test_checkout.py::test_free_at_threshold": "failed"}
    assert (repo / "shop" / "fees.py").read_text() == FEES  # disk never changed
    assert worker.isolation  # what the sandbox reported for the session
    cold = ColdRunner(sandbox, repo, ["python", "-m", "pytest", "-q"]).run(fixed, [], 60)
    assert outcomes(cold) == outcomes(patched)
    assert (repo / "shop" / "fees.py").read_text() == FEES


def test_written_restores_files_and_drops_stale_bytecode(repo: Path) -> None:
    cache = repo / "shop" / "__pycache__"
    cache.mkdir()
    stale = cache / "fees.cpython-311.pyc"
    stale.write_bytes(b"stale")
    with written(repo, {"shop/fees.py": "X = 1\n", "shop/new.py": "Y = 2\n"}):
        assert (repo / "shop" / "fees.py").read_text() == "X = 1\n"
        assert not stale.exists()
    assert (repo / "shop" / "fees.py").read_text() == FEES
    assert not (repo / "shop" / "new.py").exists()


def test_a_lost_worker_falls_back_to_a_process_per_candidate() -> None:
    from agent.repair.runner import FallbackRunner, WorkerError
    from tests.repair.helpers import InProcessRunner

    class Dead:
        isolation = "netns"

        def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> object:
            raise WorkerError("the worker exited")

    notes: list[str] = []
    fallback = InProcessRunner("pkg/mod.py", "X = 1\n", {"x": lambda m: None})
    runner = FallbackRunner(Dead(), fallback, notes)  # type: ignore[arg-type]
    assert runner.run({}, [], 5).passed and runner.run({}, [], 5).passed
    assert fallback.calls == 2 and len(notes) == 1 and "worker lost" in notes[0]
    assert runner.isolation == "in-process"


@pytest.mark.slow
def test_body_changes_are_swapped_and_other_changes_get_a_fresh_session(repo: Path) -> None:
    """A change inside a function body runs on the collected session (new code objects);
    a module-level change, a plugin option other than `-p NAME` and a test id the session
    did not collect each take a fresh session; both agree with a cold run."""
    sandbox = SubprocessSandbox()
    body = {"shop/fees.py": FEES.replace(">", ">=")}
    module_level = {"shop/fees.py": FEES.replace("threshold=50", "threshold=5")}
    with WarmWorker(sandbox, repo) as worker:
        swapped = worker.run(body, ["tests/test_checkout.py"], 30)
        assert worker.modes == {"swap": 1}
        fresh = worker.run(module_level, ["tests/test_checkout.py"], 30)
        assert worker.modes == {"swap": 1, "session": 1}
        assert any("outside function bodies" in why for why in worker.why_not_swapped)
        (repo / "tests" / "test_new.py").write_text(
            "from shop.fees import free_shipping\n\n\n"
            "def test_new():\n    assert free_shipping(50)\n")
        late = worker.run(body, ["tests/test_new.py"], 30)
        assert worker.modes == {"swap": 1, "session": 2}
    assert set(outcomes(swapped).values()) == {"passed"}
    assert outcomes(fresh) == {"tests/test_checkout.py::test_free_at_threshold": "passed",
                               "tests/test_checkout.py::test_paid_below": "failed"}
    assert outcomes(late) == {"tests/test_new.py::test_new": "passed"}
    cold = ColdRunner(sandbox, repo, ["python", "-m", "pytest", "-q"])
    assert outcomes(cold.run(body, ["tests/test_checkout.py"], 60)) == outcomes(swapped)
    assert outcomes(cold.run(module_level, ["tests/test_checkout.py"], 60)) == outcomes(fresh)


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package imported in this process, for the swap's rules (dropped afterwards)."""
    package = tmp_path / "swapdemo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "calc.py").write_text(
        "import functools\n\n\n"
        "def add(a, b):\n    return a + b\n\n\n"
        "class Box:\n    def size(self):\n        return 1\n\n"
        "    @staticmethod\n    def kind():\n        return 'box'\n\n\n"
        "@functools.lru_cache\ndef cached(n):\n    return n\n")
    (package / "user.py").write_text("from swapdemo.calc import add\n\nTOTAL = add(1, 2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    importlib.import_module("swapdemo.calc")
    yield package
    for name in [n for n in sys.modules if n.startswith("swapdemo")]:
        del sys.modules[name]


def _repository(package: Path) -> worker_apply.Repository:
    return worker_apply.Repository(os.path.realpath(package.parent))


def test_swap_gives_functions_methods_and_wrapped_functions_their_new_code(
        imported: Path) -> None:
    calc = sys.modules["swapdemo.calc"]
    add, size = calc.add, calc.Box().size  # references taken before, as a test module's are
    text = (imported / "calc.py").read_text()
    new = (text.replace("return a + b", "return a - b").replace("return 1", "return 2")
           .replace("return 'box'", "return 'crate'").replace("return n\n", "return -n\n"))
    assert worker_apply.swap(_repository(imported), {os.path.realpath(imported / "calc.py"): new}) \
        is None
    assert add(5, 3) == 2 and size() == 2 and calc.Box.kind() == "crate"
    assert calc.cached(4) == -4


def test_swap_refuses_what_import_time_code_would_see(imported: Path) -> None:
    calc = sys.modules["swapdemo.calc"]
    path = os.path.realpath(imported / "calc.py")
    text = (imported / "calc.py").read_text()
    repo = _repository(imported)
    assert "outside function bodies" in (worker_apply.swap(repo, {
        path: text.replace("import functools", "import functools\nLIMIT = 3")}) or "")
    import importlib

    importlib.import_module("swapdemo.user")  # runs add() when imported
    repo = _repository(imported)
    why = worker_apply.swap(repo, {path: text.replace("return a + b", "return a * b")})
    assert why == "swapdemo.user runs a changed function when imported"
    assert calc.add(2, 3) == 5  # nothing was changed
    assert "is not an imported module" in (worker_apply.swap(repo, {
        os.path.realpath(imported / "other.py"): "X = 1\n"}) or "")


@pytest.mark.slow
def test_two_children_at_a_time_answer_in_the_batch_order(repo: Path) -> None:
    looping = {"shop/fees.py": FEES.replace("return subtotal > threshold",
                                            "while True:\n        pass")}
    fixed = {"shop/fees.py": FEES.replace(">", ">=")}
    test = ["tests/test_checkout.py::test_free_at_threshold"]
    with WarmWorker(SubprocessSandbox(), repo, parallel=2) as worker:
        stuck, passed, base = worker.run_many([(looping, test), (fixed, test), ({}, test)], 3)
    assert stuck.timed_out and not passed.timed_out and not base.timed_out
    assert outcomes(passed) == {test[0]: "passed"} and outcomes(base) == {test[0]: "failed"}
    assert worker.modes == {"swap": 3}


MORE = '''
import pytest
from shop.checkout import shipping


def test_with_a_fixture(tmp_path):
    assert shipping(50) == 0


@pytest.mark.skip(reason="not here")
def test_marked():
    assert False


class TestGrouped:
    def test_in_a_class(self):
        assert shipping(50) == 0


def test_skips_itself():
    pytest.skip("not on this platform")


def test_exits():
    raise SystemExit(3)
'''
AUTOUSE = '''
import pytest


@pytest.fixture(autouse=True)
def quiet():
    yield
'''


def test_only_plain_tests_are_called_directly_with_the_protocols_outcomes(repo: Path) -> None:
    (repo / "tests" / "test_more.py").write_text(MORE)
    (repo / "tests" / "sub").mkdir()
    (repo / "tests" / "sub" / "conftest.py").write_text(AUTOUSE)
    (repo / "tests" / "sub" / "test_sub.py").write_text(TESTS)
    sandbox = SubprocessSandbox()
    with WarmWorker(sandbox, repo, parallel=1) as worker:
        # The two plain tests of test_checkout.py, and the two that skip or exit by
        # themselves; not the fixture's, the marked one, the class's, nor those under an
        # autouse fixture.
        assert worker.direct == 4
        direct = worker.run({}, [], 30)
        brief = worker.run_many([({}, ["tests/test_checkout.py"])], 30, brief=True)[0]
    with WarmWorker(sandbox, repo, parallel=1, swap=False) as worker:
        protocol = worker.run({}, [], 30)
    with WarmWorker(sandbox, repo, parallel=1, direct=False) as worker:  # the protocol always
        unbrief = worker.run_many([({}, ["tests/test_checkout.py"])], 30, brief=True)[0]
    assert outcomes(direct) == outcomes(protocol)
    assert outcomes(direct)["tests/test_more.py::test_skips_itself"] == "skipped"
    assert outcomes(direct)["tests/test_more.py::test_exits"] == "failed"
    failing = "tests/test_checkout.py::test_free_at_threshold"
    report = {t.nodeid: t.message for t in direct.tests}[failing]
    assert report == {t.nodeid: t.message for t in protocol.tests}[failing]
    assert report.startswith("E   assert 5 == 0")  # pytest's report for `--tb=line`
    crash = {t.nodeid: t.message for t in brief.tests}[failing]
    assert crash.startswith(str(repo / "tests" / "test_checkout.py") + ":5: AssertionError")
    assert "assert 5 == 0" in crash
    assert {t.nodeid: t.message for t in unbrief.tests}[failing] == report
