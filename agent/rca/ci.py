"""CI alerts: no traceback arrives, so the repository's own suite at the failing commit is the
reproduction. Run it in the sandbox, keep the failing tests, and read their tracebacks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import git

from agent.rca.confirm import Reproduction
from tools import vcs
from tools.monitors.traceback_parse import parse_failure_text
from tools.ports import Alert, Frame, Sandbox

_FAILED = re.compile(r"^FAILED (\S+)", re.MULTILINE)


@dataclass
class CiFailure:
    nodeids: list[str]  # failing tests, as the sandbox's run names them
    frames: list[Frame] = field(default_factory=list)  # the first failure's traceback
    exception_type: str = ""
    exception_message: str = ""
    output: str = ""


def reported_failures(alert: Alert) -> list[str]:
    """Test ids a check run's output names ("FAILED tests/x.py::test_y")."""
    run = alert.raw.get("check_run") if isinstance(alert.raw, dict) else None
    output = run.get("output") if isinstance(run, dict) else None
    text = str(output.get("text") or "") if isinstance(output, dict) else ""
    return _FAILED.findall(text)


def pytest_command(command: list[str]) -> list[str]:
    """The suite command with short tracebacks (`path:line: in func`) when it is pytest."""
    if any("pytest" in part for part in command) and not any(
            part.startswith("--tb") for part in command):
        return [*command, "--tb=short"]
    return command


def reproduce(sandbox: Sandbox, repo: git.Repo, sha: str, command: list[str],
              timeout_s: float, alert: Alert, worktrees: Path | None = None) -> CiFailure | None:
    """Run the suite at `sha`; the failing tests (those the check named first) with the first
    one's traceback, or None when everything passes (no `nodeids` when the run failed
    without any test result: a collection or sandbox error, in `output`)."""
    for _attempt in range(2):  # a run that failed without any test result is run once more
        with vcs.worktree(repo, sha, parent=worktrees) as workdir:
            run = sandbox.run(workdir, pytest_command(command), timeout_s)
        failing = [t for t in run.tests if t.outcome in ("failed", "error")]
        if failing or run.passed:
            break
    if not failing:
        # Passed: nothing to reproduce. Failed with no test result: say so, with the output.
        return None if run.passed else CiFailure(nodeids=[], output=run.output[-600:])
    named = reported_failures(alert)
    failing.sort(key=lambda t: not any(t.nodeid.endswith(n) or n.endswith(t.nodeid)
                                       for n in named))
    parsed = parse_failure_text(failing[0].message)
    if parsed is None:
        return CiFailure(nodeids=[t.nodeid for t in failing], output=run.output)
    return CiFailure(nodeids=[t.nodeid for t in failing], frames=parsed.frames,
                     exception_type=parsed.exception_type,
                     exception_message=parsed.exception_message, output=run.output)


def reproduction_of(failure: CiFailure, command: list[str], timeout_s: float) -> Reproduction:
    return Reproduction(command=pytest_command(command), nodeids=failure.nodeids,
                        timeout_s=timeout_s)
