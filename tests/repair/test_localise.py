"""Spectrum-based localisation: Ochiai over the lines and arcs the tests ran at the base, ties
broken by the culprit and by RCA's function; the tests a candidate runs are those that ran a
line it changes; the traced run comes from the warm worker in the sandbox."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent.repair.base import CulpritChange
from agent.repair.localise import changed_lines, ochiai, rank
from agent.repair.runner import WarmWorker
from agent.state import Candidate
from tests.repair.helpers import load, make_input
from tools.sandbox import SubprocessSandbox

FEES = textwrap.dedent("""
    def fee(subtotal, member):
        threshold = 40 if member else 50
        if subtotal > threshold:
            return 0
        return 5


    def label(amount):
        return f"{amount} EUR"
""").lstrip()


def spectrum(lines: list[int], arcs: Sequence[tuple[int, int]] = ()) -> dict[str, object]:
    return {"lines": {"pkg/mod.py": lines}, "arcs": {"pkg/mod.py": [list(a) for a in arcs]}}


def test_ochiai() -> None:
    assert ochiai(2, 0, 2) == 1.0
    assert ochiai(0, 3, 2) == 0.0
    assert round(ochiai(1, 1, 2), 3) == 0.5


def test_lines_only_failing_tests_run_rank_first_and_test_files_are_left_out() -> None:
    inp = make_input(FEES, "fee", "", "", line_containing="threshold =")
    coverage = {
        "t::fails": spectrum([2, 3, 5], [(3, 5)]),
        "t::passes": spectrum([2, 3, 4], [(3, 4)]),
        "t::label": {"lines": {"pkg/mod.py": [9], "tests/test_mod.py": [1, 2]}},
    }
    found = rank(coverage, ["t::fails"], ["t::passes", "t::label"], inp)
    assert [(s.line, s.score) for s in found.suspects[:2]] == [(3, 1.0), (5, 1.0)]
    # line 3 ran in both tests, but the arc 3 → 5 only in the failing one: the decision is
    # as suspicious as the line it sends the failing test to, and RCA's line is nearer.
    assert all(s.path == "pkg/mod.py" for s in found.suspects)
    assert 9 not in {s.line for s in found.suspects}
    assert found.evidence(1)[0].startswith("pkg/mod.py:3 (Ochiai 1.00")


def test_ties_go_to_the_lines_the_culprit_added() -> None:
    before = FEES.replace("threshold = 40 if member else 50", "threshold = 50")
    inp = make_input(FEES, "fee", "", "", line_containing="return 5",
                     culprit=CulpritChange("c" * 40, "members", {
                         "pkg/mod.py": (before, FEES, FEES)}))
    found = rank({"t::fails": spectrum([2, 3, 5])}, ["t::fails"], [], inp)
    assert found.suspects[0].line == 2 and found.suspects[0].culprit_added


def test_a_candidate_runs_the_tests_that_ran_the_lines_it_changes() -> None:
    assert changed_lines("a\nb\nc\n", "a\nB\nc\n") == {2}
    assert changed_lines("a\nb\n", "a\nx\nb\n") == {1, 2}  # around the insertion
    inp = make_input(FEES, "fee", "", "")
    found = rank({"t::fails": spectrum([2, 3, 5]), "t::label": spectrum([9])},
                 ["t::fails"], ["t::label"], inp)
    fix = Candidate(id="a", strategy="mutation", description="", path="pkg/mod.py",
                    new_source=FEES.replace(">", ">="), diff="", lines_changed=1)
    assert found.tests_running(fix, {"pkg/mod.py": FEES}) == ["t::fails"]
    label = fix.model_copy(update={"new_source": FEES.replace("EUR", "euro")})
    assert found.tests_running(label, {"pkg/mod.py": FEES}) == ["t::label"]
    picked = found.picker(lambda c: ["fallback"], Path("/nonexistent"))
    untouched = fix.model_copy(update={"path": "pkg/other.py"})
    assert picked(untouched) == ["fallback"]  # no test ran it: the module's tests instead


@pytest.mark.slow
def test_the_warm_worker_traces_each_test_at_the_base(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(FEES)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text(
        "from pkg.mod import fee, label\n\n\n"
        "def test_member_at_threshold():\n    assert fee(40, True) == 0\n\n\n"
        "def test_paid():\n    assert fee(10, False) == 5\n\n\n"
        "def test_label():\n    assert label(3) == '3 EUR'\n")
    with WarmWorker(SubprocessSandbox(), tmp_path) as worker:
        run, coverage = worker.covered([], 30)
    assert {t.nodeid.split("::")[1]: t.outcome for t in run.tests} == {
        "test_member_at_threshold": "failed", "test_paid": "passed", "test_label": "passed"}
    member = coverage["tests/test_mod.py::test_member_at_threshold"]
    assert member["lines"]["pkg/mod.py"] == [2, 3, 5]
    assert [3, 5] in member["arcs"]["pkg/mod.py"]
    assert coverage["tests/test_mod.py::test_label"]["lines"]["pkg/mod.py"] == [9]
    inp = make_input(FEES, "fee", "", "")
    found = rank(coverage, ["tests/test_mod.py::test_member_at_threshold"],
                 ["tests/test_mod.py::test_paid", "tests/test_mod.py::test_label"], inp)
    # Both fee tests run lines 2, 3 and 5 the same way: one suspicion, RCA's line first.
    assert [(s.line, s.score) for s in found.suspects] == [(5, 0.7071), (3, 0.7071),
                                                           (2, 0.7071)]


def test_the_search_mutates_the_function_localisation_points_at() -> None:
    from agent.repair.search import Search
    from agent.repair.validation import Validator, outcomes
    from tests.repair.helpers import InProcessRunner

    def expect(condition: bool) -> None:
        assert condition

    checks = {
        "member_at_threshold": lambda m: expect(m.fee(40, True) == 0),
        "paid": lambda m: expect(m.fee(10, False) == 5),
        "member_below": lambda m: expect(m.fee(30, True) == 5),
        "label": lambda m: expect(m.label(3) == "3 EUR"),
    }
    inp = make_input(FEES, "label", "", "")  # RCA pointed elsewhere
    runner = InProcessRunner(inp.path, inp.source, checks)
    baseline = outcomes(runner.run({}, [], 10))
    found = rank({"member_at_threshold": spectrum([2, 3, 5], [(3, 5)]),
                  "paid": spectrum([2, 3, 5], [(3, 5)]),
                  "member_below": spectrum([2, 3, 5], [(3, 5)]), "label": spectrum([9])},
                 ["member_at_threshold"], ["paid", "member_below", "label"], inp)
    validator = Validator(runner, baseline, ["member_at_threshold"], 10.0,
                          lambda c: list(checks))
    result = Search(validator, lambda c, v: v, localisation=found).run(inp, [])
    # `subtotal >= threshold`, or `40` → `39` (as good for whole amounts): a change in fee.
    assert result.chosen is not None and result.chosen.strategy.startswith("mutation")
    assert result.chosen.new_source.split("def label")[1] == FEES.split("def label")[1]
    assert load(result.chosen.new_source).fee(40, True) == 0


def test_functions_off_the_stack_are_targets_only_while_nothing_has_passed() -> None:
    from agent.repair.search import Search

    inp = make_input(FEES, "label", "", "")
    found = rank({"fails": spectrum([2, 3, 5]), "passes": spectrum([9])}, ["fails"],
                 ["passes"], inp)
    search = Search(None, lambda c, v: v, localisation=found)  # type: ignore[arg-type]
    assert [t.function for t in search._targets(inp, off_stack=True)] == ["label", "fee"]
    assert [t.function for t in search._targets(inp, off_stack=False)] == ["label"]
