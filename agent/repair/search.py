"""Ranks the strategies' candidates and validates them: the reproducing test first, the
whole suite only for candidates that pass it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.repair.base import Decline, RepairInput
from agent.repair.templates import key_get, none_guard
from agent.state import Candidate, RegressionTest, Validation
from tools.ports import Sandbox, TestRun

Strategy = Callable[[RepairInput], list[Candidate] | Decline]

# In order of preference: the most specific fix first.
STRATEGIES: tuple[tuple[str, Strategy], ...] = (
    (key_get.STRATEGY, key_get.propose),
    (none_guard.STRATEGY, none_guard.propose),
)


def propose_candidates(inp: RepairInput, budget: int) -> tuple[list[Candidate], list[str]]:
    """Candidates from every strategy, deduplicated and ranked; plus why strategies declined."""
    found: list[tuple[int, Candidate]] = []
    notes: list[str] = []
    for rank, (name, strategy) in enumerate(STRATEGIES):
        try:
            result = strategy(inp)
        except Exception as exc:  # the engine never raises: a broken strategy is a note
            notes.append(f"{name}: failed ({type(exc).__name__}: {exc})")
            continue
        if isinstance(result, Decline):
            notes.append(str(result))
        else:
            found.extend((rank, c) for c in result)
    seen: set[str] = set()
    ranked = []
    for _, candidate in sorted(found, key=lambda item: (item[0], item[1].lines_changed)):
        if candidate.new_source not in seen:
            seen.add(candidate.new_source)
            ranked.append(candidate)
    return ranked[:budget], notes


def _failures(run: TestRun) -> list[str]:
    return [t.nodeid for t in run.tests if t.outcome in ("failed", "error")]


def validate_candidates(
    sandbox: Sandbox, workdir: Path, candidates: list[Candidate],
    regression: RegressionTest | None, command: list[str], timeout_s: float,
) -> tuple[Candidate | None, list[Validation]]:
    """Try candidates in order in `workdir` (a worktree of the base commit); the first that
    passes the regression test and then the whole suite wins. Files are restored after each."""
    validations: list[Validation] = []
    for candidate in candidates:
        target = workdir / candidate.path
        original = target.read_text()
        target.write_text(candidate.new_source)
        try:
            regression_passed = None
            seconds = 0.0
            if regression is not None:
                quick = sandbox.run(workdir, [*command, regression.nodeid], timeout_s)
                regression_passed, seconds = quick.passed, quick.seconds
                if not quick.passed:
                    validations.append(Validation(
                        candidate_id=candidate.id, regression_passed=False, suite_passed=False,
                        failed_tests=_failures(quick), seconds=seconds,
                        isolation=quick.isolation, detail="the regression test still fails"))
                    continue
            suite = sandbox.run(workdir, command, timeout_s)
            validation = Validation(
                candidate_id=candidate.id, regression_passed=regression_passed,
                suite_passed=suite.passed, failed_tests=_failures(suite),
                seconds=seconds + suite.seconds, isolation=suite.isolation,
                detail="timed out" if suite.timed_out else "")
            validations.append(validation)
            if validation.accepted:
                return candidate, validations
        finally:
            target.write_text(original)
    return None, validations
