"""Validating one candidate, stage by stage, and the validate node's other pieces: which
tests reproduce the failure, which tests belong to a changed module, and the confirmation on
disk with the repository's own command.

Stages: the reproduction (must pass), the tests of the changed module (none that passed at
the base may fail, and, with a Preservation, none of the functions the candidate changes may
return something else for an input those tests gave them at the base: stage "behaviour"),
then the whole suite for the best few; each Validation says where the candidate stopped and
why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.repair.preservation import Preservation
from agent.repair.runner import ColdRunner, TestRunner, run_many
from agent.state import Candidate, RegressionTest, Validation
from tools.ports import Alert, TestRun


def failures(run: TestRun) -> list[str]:
    return [t.nodeid for t in run.tests if t.outcome in ("failed", "error")]


def outcomes(run: TestRun) -> dict[str, str]:
    return {t.nodeid: t.outcome for t in run.tests}


def passes(nodeid: str, found: dict[str, str]) -> bool:
    """Did `nodeid` pass? A file id (a module that failed to import, reproduced as a
    collection error) passes when its tests now run and every one of them passes."""
    if "::" in nodeid or nodeid in found:
        return found.get(nodeid) == "passed"
    inside = [outcome for name, outcome in found.items() if name.startswith(nodeid + "::")]
    return bool(inside) and all(outcome == "passed" for outcome in inside)


@dataclass
class Validator:
    """Runs a candidate through the stages and says why it stopped where it did."""

    runner: TestRunner
    baseline: dict[str, str]  # node id -> outcome at the base commit (whole suite)
    reproduction: list[str]  # must pass with the fix (fail at the base)
    timeout_s: float
    module_tests: Callable[[Candidate], list[str]]
    spent: list[float] = field(default_factory=list)
    preservation: Preservation | None = None  # return values of existing tests' inputs

    def _broken(self, run: TestRun, whole_suite: bool) -> list[str]:
        now = outcomes(run)
        broken = [n for n, outcome in self.baseline.items() if outcome == "passed"
                  and (now.get(n) in ("failed", "error") or (whole_suite and n not in now))]
        return sorted(broken)

    def _run(self, candidate: Candidate, tests: list[str]) -> TestRun:
        run = self.runner.run(candidate.changed_files(), tests, self.timeout_s)
        self.spent.append(run.seconds)
        return run

    def quick(self, candidate: Candidate) -> Validation:
        """The reproduction, then the changed module's tests."""
        return self.quick_many([candidate])[0]

    def quick_many(self, candidates: list[Candidate]) -> list[Validation]:
        """`quick` for each: the reproductions run as one batch (in parallel on the warm
        worker), the module's tests after, one candidate at a time (the behaviour recorder
        writes one file)."""
        if not self.reproduction:
            return [self._after_reproduction(c, None) for c in candidates]
        runs = run_many(self.runner, [(c.changed_files(), self.reproduction)
                                      for c in candidates], self.timeout_s, brief=True)
        self.spent += [run.seconds for run in runs]
        return [self._after_reproduction(c, run) for c, run in zip(candidates, runs, strict=True)]

    def _after_reproduction(self, candidate: Candidate, run: TestRun | None) -> Validation:
        seconds = 0.0
        regression_passed: bool | None = None
        if run is not None:
            seconds += run.seconds
            found = outcomes(run)
            still = [n for n in self.reproduction if not passes(n, found)]
            regression_passed = not still and not run.timed_out
            if not regression_passed:
                why = "timed out" if run.timed_out else (
                    "the reproduction still fails: " + ", ".join(still[:3]))
                return self._record(candidate, False, False, failures(run), seconds,
                                    why, "reproduction")
        tests = [t for t in self.module_tests(candidate) if t not in self.reproduction]
        if tests:
            record = (self.preservation.plugin_args(self.runner, candidate, tests)
                      if self.preservation is not None else [])
            run = self._run(candidate, [*record, *tests])
            seconds += run.seconds
            broken = self._broken(run, whole_suite=False)
            if broken or run.timed_out:
                why = "timed out" if run.timed_out else (
                    "breaks previously passing tests: " + ", ".join(broken[:3]))
                return self._record(candidate, regression_passed, False, broken, seconds,
                                    why, "module")
            changed = self.preservation.changes() if record and self.preservation else ""
            if changed:
                return self._record(candidate, regression_passed, False, [], seconds,
                                    "changes what a function returns for an input of an "
                                    "existing passing test: " + changed, "behaviour")
        return self._record(candidate, regression_passed, False, [], seconds,
                            "passed the reproduction and the module's tests; suite not run",
                            "module")

    def suite(self, candidate: Candidate, before: Validation) -> Validation:
        run = self._run(candidate, [])
        broken = self._broken(run, whole_suite=True)
        found = outcomes(run)
        still = [n for n in self.reproduction if not passes(n, found)]
        seconds = before.seconds + run.seconds
        if run.timed_out or broken or still:
            why = "timed out" if run.timed_out else (
                "breaks previously passing tests: " + ", ".join(broken[:3]) if broken
                else "the reproduction fails in the whole suite: " + ", ".join(still[:3]))
            return self._record(candidate, before.regression_passed, False, broken or still,
                                seconds, why, "suite")
        return self._record(candidate, before.regression_passed, True, [], seconds,
                            "passed the reproduction and the whole suite", "suite")

    def _record(self, candidate: Candidate, regression_passed: bool | None, suite_passed: bool,
                failed: list[str], seconds: float, detail: str, stage: str) -> Validation:
        return Validation(candidate_id=candidate.id, regression_passed=regression_passed,
                          suite_passed=suite_passed, failed_tests=failed,
                          seconds=round(seconds, 3), detail=detail, stage=stage,
                          reproduction=list(self.reproduction))


Confirm = Callable[[Candidate, Validation], Validation]


_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test)\.py$")


def reproduction_from(alert: Alert, baseline: TestRun, regression: RegressionTest | None,
                      notes: list[str]) -> tuple[list[str], RegressionTest | None]:
    """The tests that fail at the base and must pass with the fix, and the regression test
    (None when it did not reproduce the alert's error)."""
    at_base = outcomes(baseline)
    reproduction: list[str] = []
    if regression is not None:
        test = next((t for t in baseline.tests if t.nodeid == regression.nodeid), None)
        failed = test is not None and test.outcome in ("failed", "error")
        reproduces = failed and (not alert.exception_type or test is None
                                 or alert.exception_type in test.message)
        regression = regression.model_copy(update={"reproduces": reproduces})
        if reproduces:
            reproduction.append(regression.nodeid)
        else:
            notes.append(f"regression test {regression.nodeid} did not reproduce "
                         f"{alert.exception_type} at the base "
                         f"({test.outcome if test else 'not collected'}); left out")
            regression = None
    if alert.source != "ci" and alert.exception_type:
        # The repository's own tests that already fail with the production error reproduce
        # it too: a fix must make them pass, not merely fail differently.
        same = sorted(t.nodeid for t in baseline.tests
                      if t.outcome in ("failed", "error") and t.nodeid not in reproduction
                      and re.search(rf"\b{re.escape(alert.exception_type)}\b", t.message))
        if same:
            reproduction += same
            notes.append("reproduction: the repository's own tests already fail with "
                         f"{alert.exception_type} at the base: " + ", ".join(same[:5]))
    if alert.source == "ci":
        failing = sorted(n for n, o in at_base.items() if o in ("failed", "error"))
        reproduction += failing
        notes.append("reproduction: the suite at the base fails "
                     + (", ".join(failing[:5]) if failing else "nothing: the ci failure did "
                        "not reproduce in the sandbox"))
    return reproduction, regression


def module_tests_finder(workdir: Path) -> Callable[[Candidate], list[str]]:
    """Test files that name a module the candidate changes (by its last dotted part)."""
    files: dict[str, str] = {}
    for path in sorted(workdir.rglob("*.py")):
        rel = path.relative_to(workdir).as_posix()
        if _TEST_FILE.search(rel) and not any(p.startswith(".") for p in rel.split("/")):
            files[rel] = path.read_text(errors="replace")

    def find(candidate: Candidate) -> list[str]:
        words = {Path(p).stem if Path(p).stem != "__init__" else Path(p).parent.name
                 for p in candidate.changed_files()}
        return [rel for rel, text in files.items()
                if any(re.search(rf"\b{re.escape(w)}\b", text) for w in words if w)]

    return find


def confirm_on_disk(cold: ColdRunner, validator: Validator, timeout_s: float) -> Confirm:
    """The candidate written to the worktree and the suite run by the repository's command,
    in the sandbox: what the warm worker found must hold in a fresh interpreter."""

    def confirm(candidate: Candidate, validation: Validation) -> Validation:
        run = cold.run(candidate.changed_files(), [], timeout_s)
        now = outcomes(run)
        broken = sorted(n for n, o in validator.baseline.items()
                        if o == "passed" and now.get(n) in ("failed", "error"))
        still = [n for n in validator.reproduction if not passes(n, now)]
        ok = not (run.timed_out or broken or still) and bool(run.tests)
        detail = validation.detail + ("; confirmed by the repository's test command" if ok
                                      else "; the repository's test command disagreed: "
                                      + ", ".join((broken or still or ["no test results"])[:3]))
        return validation.model_copy(update={
            "suite_passed": ok, "stage": "confirm", "detail": detail,
            "failed_tests": broken or still, "isolation": run.isolation,
            "seconds": round(validation.seconds + run.seconds, 3)})

    return confirm
