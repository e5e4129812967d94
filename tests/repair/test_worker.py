"""The warm worker, in the real sandbox: a candidate's files are served from memory (disk
untouched), modules that import the patched one see the patch, a looping candidate is
killed at its timeout, and answers match the cold `python -m pytest` run."""

from __future__ import annotations

from pathlib import Path

import pytest

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
