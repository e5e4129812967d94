"""Confirmation by running code: a reproduction fails at the suspect and passes at its parent.

A reproduction is a test command plus, optionally, test files to drop into the checkout (the
regression test the repair stage writes) and the exception the failure must show. It runs in
the sandbox, in a throwaway worktree of each commit. When the top suspect is not confirmed,
bisection over the suspect window finds the commit that is, and it is ranked first.
"""

from __future__ import annotations

from pathlib import Path

import git
from pydantic import BaseModel, Field

from agent.rca.bisect import BisectResult, Verdict, bisect
from agent.state import RootCause, Suspect
from tools import vcs
from tools.ports import Sandbox, TestRun


class Reproduction(BaseModel):
    command: list[str]  # e.g. ["python", "-m", "pytest", "-q"]
    nodeids: list[str]  # the tests that must fail where the fault is
    files: dict[str, str] = Field(default_factory=dict)  # written into the checkout first
    exception_type: str = ""  # when set, a failure counts only if its output names it
    timeout_s: float = 120.0


class Confirmation(BaseModel):
    suspect: str
    parent: str | None
    at_suspect: Verdict
    at_parent: Verdict | None

    @property
    def confirmed(self) -> bool:
        return self.at_suspect == "bad" and self.at_parent in ("good", None)


def _names(nodeid: str, wanted: str) -> bool:
    """Whether test `nodeid` is `wanted` (a node id, a file, or a suffix of either)."""
    return nodeid == wanted or nodeid.startswith(wanted + "::") or nodeid.endswith(wanted)


def verdict_of(run: TestRun, reproduction: Reproduction) -> Verdict:
    """bad: a reproducing test failed (with the exception, when one is named); good: they all
    ran and passed; skip: anything else (not collected, import error, timeout)."""
    if run.timed_out:
        return "skip"
    outcomes = [t.outcome for t in run.tests
                if any(_names(t.nodeid, n) for n in reproduction.nodeids)]
    if any(o in ("failed", "error") for o in outcomes):
        if reproduction.exception_type and reproduction.exception_type not in run.output:
            return "skip"
        return "bad"
    if outcomes and all(o == "passed" for o in outcomes):
        return "good"
    return "skip"


def probe(sandbox: Sandbox, repo: git.Repo, sha: str, reproduction: Reproduction,
          worktrees: Path | None = None) -> Verdict:
    """Run the reproduction at `sha` in a fresh worktree and judge it."""
    with vcs.worktree(repo, sha, parent=worktrees) as workdir:
        for rel, text in reproduction.files.items():
            target = workdir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        run = sandbox.run(workdir, [*reproduction.command, *reproduction.nodeids],
                          reproduction.timeout_s)
    return verdict_of(run, reproduction)


def confirm_suspect(sandbox: Sandbox, repo: git.Repo, suspect: str, reproduction: Reproduction,
                    parent: str | None = None, worktrees: Path | None = None) -> Confirmation:
    """Run the reproduction at `suspect` and at `parent` (its first parent by default)."""
    if parent is None:
        parents = repo.commit(suspect).parents
        parent = parents[0].hexsha if parents else None
    at_suspect = probe(sandbox, repo, suspect, reproduction, worktrees)
    at_parent = (probe(sandbox, repo, parent, reproduction, worktrees)
                 if parent and at_suspect == "bad" else None)
    return Confirmation(suspect=suspect, parent=parent, at_suspect=at_suspect,
                        at_parent=at_parent)


def bisect_window(sandbox: Sandbox, repo: git.Repo, commits: list[str],
                  reproduction: Reproduction, worktrees: Path | None = None,
                  start: str | None = None) -> BisectResult:
    """Bisect `commits` (oldest first, the last one bad). `start`, the commit before the
    window, is probed first: when it is bad too, the fault is older than the window."""
    if start and probe(sandbox, repo, start, reproduction, worktrees) == "bad":
        return BisectResult(None, [], {start: "bad"})
    return bisect(commits, lambda sha: probe(sandbox, repo, sha, reproduction, worktrees))


def _suspect_for(repo: git.Repo, sha: str, evidence: str, score: float) -> Suspect:
    info = vcs.commit_summary(repo, sha)
    return Suspect(sha=sha, summary=info["summary"], author=info["author"], date=info["date"],
                   score=score, evidence=[evidence])


def confirm_root_cause(rc: RootCause, sandbox: Sandbox, repo: git.Repo,
                       reproduction: Reproduction, worktrees: Path | None = None) -> RootCause:
    """`rc` with its top suspect confirmed by running code, or replaced by the commit bisection
    over the window finds; the outcome is recorded either way. Never raises on a failed run:
    an inconclusive run leaves the ranking as it was and says so."""
    described = f"`{' '.join(reproduction.nodeids) or ' '.join(reproduction.command)}`"
    top = rc.suspects[0] if rc.suspects and not rc.no_culprit_in_history else None
    if top is not None:
        result = confirm_suspect(sandbox, repo, top.sha, reproduction, worktrees=worktrees)
        if result.confirmed:
            line = (f"confirmed by running code: {described} fails at {top.sha[:10]} and "
                    + (f"passes at its parent {result.parent[:10]}" if result.parent
                       else "it is the first commit"))
            suspects = [top.model_copy(update={"evidence": [*top.evidence, line],
                                               "confirmed": True}), *rc.suspects[1:]]
            return rc.model_copy(update={"suspects": suspects, "confirmed": True,
                                         "confirmation": line,
                                         "confidence": max(rc.confidence, 0.95)})
    window = rc.window or []
    if not window:
        return rc.model_copy(update={"confirmed": False, "confirmation":
                                     f"{described} could not confirm the top suspect and there "
                                     "is no deploy window to bisect"})
    found = bisect_window(sandbox, repo, window, reproduction, worktrees, rc.window_start)
    if found.first_bad is None:
        if rc.window_start and found.tested.get(rc.window_start) == "bad":
            detail = (f"{described} already fails at {rc.window_start[:10]}, before the "
                      "window: the fault is older than the deploy window")
        else:
            detail = (f"bisection with {described} was inconclusive "
                      f"({len(found.tested)} commit(s) tested)")
        return rc.model_copy(update={"confirmed": False, "confirmation": detail})
    sha = found.first_bad
    line = (f"found by bisection: {described} first fails at {sha[:10]} "
            f"({len(found.tested)} commit(s) tested)")
    existing = next((s for s in rc.suspects if s.sha == sha), None)
    best = max([s.score for s in rc.suspects], default=0.0) + 1.0
    first = (existing.model_copy(update={"evidence": [*existing.evidence, line], "score": best,
                                         "confirmed": True})
             if existing else _suspect_for(repo, sha, line, best).model_copy(
                 update={"confirmed": True}))
    others = [s for s in rc.suspects if s.sha != sha]
    return rc.model_copy(update={"suspects": [first, *others], "confirmed": True,
                                 "no_culprit_in_history": False, "confirmation": line,
                                 "confidence": max(rc.confidence, 0.9)})
