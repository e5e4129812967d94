"""The RCA core, callable without the graph: alert + repository + deploys → RootCause.

1. The commit that was running: the alert's release resolved to a commit (or the branch head).
2. Frames → files (locate), the faulty location, stale-context check.
3. The suspect window from the deploy history, widened while nothing in it touches the stack.
4. Evidence and scores per commit (scoring); the pull request and deploy of each suspect.
   Time is evidence too (timeline): the first sighting (the monitor's first-seen, else the
   event time) against the deploys puts commits that ran clean below the window's commits
   when the window touches the failing path, and says "latent" when it does not.
5. CI alerts: the suite at the failing commit is the reproduction; bisection over the window
   names the culprit and the culprit's change names the faulty function. Before it, and when
   it cannot decide (the tests did not run before), the window commit that changed what the
   failing tests call is the suspect (exercised): a failed assert leaves no frame to blame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import git

from agent.rca import ci
from agent.rca.confirm import Reproduction, bisect_window
from agent.rca.diffs import commit_change, pull_request_of
from agent.rca.exercised import Exercised, exercised_functions, is_test_path
from agent.rca.explain import explain, link
from agent.rca.locate import context_matches, map_frames
from agent.rca.scoring import STRONG, Scored, named_values, rank, stack_entries
from agent.rca.timeline import Timeline, first_sighting
from agent.rca.window import Window, ci_window, deploy_window, deploys_on_line, widen
from agent.state import Location, RootCause, Suspect
from tools import vcs
from tools.code_index import CommitIndex, commit_index
from tools.deploys import resolve_deploys, resolve_release
from tools.ports import Alert, Deploy, Frame, Sandbox

MAX_SUSPECTS = 5


class NothingToAnalyse(Exception):
    """RCA cannot start: no commit, no frame in the repository, nothing failing."""


@dataclass
class Runner:
    """How RCA may run code: the sandbox, the repository's test command, where worktrees go."""

    sandbox: Sandbox
    command: list[str]
    timeout_s: float = 300.0
    worktrees: Path | None = None


@dataclass
class Options:
    default_ref: str = "HEAD"  # analysed when the release names no known commit
    prefixes: list[str] = field(default_factory=list)  # deploy-path prefixes of frames
    web_url: str = ""  # the forge's web address of the repository, for links
    runner: Runner | None = None  # None: no code is run (CI alerts then cannot be analysed)
    # When the fault was first seen if known elsewhere (the start of the first deploy period
    # with events); the alert's own first_seen and event time are used too, the earliest wins.
    first_seen: datetime | None = None


def _location(index: CommitIndex, sha: str, path: str, line: int,
              context: Frame | None = None) -> Location:
    source = index.source(sha, path) or ""
    lines = source.splitlines()
    symbol = index.function_at(sha, path, line)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    stale = context is not None and context_matches(context, source) is False
    return Location(path=path, line=line, source_line=text.rstrip(),
                    function=symbol.qualname if symbol else "<module>",
                    function_start=symbol.start_line if symbol else 1,
                    function_end=symbol.end_line if symbol else len(lines), stale=stale)


def _changed_function(index: CommitIndex, repo: git.Repo, sha: str,
                      preferred: list[str]) -> tuple[str, int] | None:
    """(path, line) of the function `sha` changed in non-test code, preferring those named in
    `preferred` (what the failing test calls)."""
    change = commit_change(repo, sha)
    touched: list[tuple[str, int, str]] = []
    for path, file_change in change.files.items():
        if not path.endswith(".py") or is_test_path(path) or not file_change.path:
            continue
        for line in sorted(file_change.new_lines):
            symbol = index.function_at(sha, path, line)
            if symbol:
                touched.append((path, line, symbol.qualname))
    for name in preferred:
        for path, line, qualname in touched:
            if qualname == name or qualname.rsplit(".", 1)[-1] == name:
                return path, line
    return (touched[0][0], touched[0][1]) if touched else None


def _suspects(repo: git.Repo, ranked: list[Scored], base_sha: str, deploys: list[Deploy],
              web: str, timeline: Timeline | None) -> list[Suspect]:
    out = []
    for entry in ranked[:MAX_SUSPECTS]:
        info = vcs.commit_summary(repo, entry.sha)
        shipped = vcs.deploy_containing(repo, deploys, entry.sha)
        evidence = list(entry.evidence)
        timing = timeline.timing(entry.sha).text if timeline else ""
        if shipped and not timing:
            evidence.append(f"shipped in {shipped.name} at "
                            f"{shipped.deployed_at.strftime('%Y-%m-%d %H:%M UTC')}")
        pr = pull_request_of(repo, entry.sha, base_sha)
        if pr is not None:
            evidence.append(f"brought in by pull request #{pr}")
        out.append(link(Suspect(
            sha=entry.sha, summary=info["summary"], author=info["author"], date=info["date"],
            score=round(entry.score, 3), evidence=evidence, kinds=sorted(entry.kinds),
            deploy=shipped.name if shipped else None, pull_request=pr,
            renames=entry.renames, timing=timing), web))
    return out


def _rank_widening(repo: git.Repo, index: CommitIndex, base_sha: str, window: Window,
                   deploys: list[Deploy], frames: list[Frame], values: list[str],
                   tested: list[Exercised]) -> tuple[Window, list[Scored]]:
    """Rank the window; widen it one deploy at a time while nothing in it touches the stack
    (or, for a CI failure, the code the failing tests run)."""
    stack = stack_entries(index, base_sha, frames)
    current: Window | None = window
    best = window, rank(repo, index, base_sha, window.commits, stack, values, tested)
    while current is not None:
        ranked = rank(repo, index, base_sha, current.commits, stack, values, tested)
        best = current, ranked
        if any(s.in_window and s.strong for s in ranked):
            break
        current = widen(repo, current, deploys)
    return best


def _confidence(ranked: list[Scored], stale: bool, no_culprit: bool,
                latent: bool = False) -> float:
    if not ranked or no_culprit:
        return 0.2 if no_culprit else 0.0
    top = ranked[0]
    value = 0.5 if top.strong else 0.3
    value += 0.1 * min(len(top.kinds & STRONG), 2)
    if len(ranked) == 1 or top.score >= 1.5 * ranked[1].score or (
            "in-window" in top.kinds and "in-window" not in ranked[1].kinds):
        value += 0.15  # well ahead on the code, or the only one shipped before the fault
    if stale:
        value -= 0.3
    if latent:  # the blamed change ran without this error before: it is not the whole story
        value -= 0.1
    return round(max(0.05, min(value, 0.9)), 2)


def analyse(alert: Alert, repo: git.Repo, deploys: list[Deploy],
            options: Options | None = None) -> RootCause:
    """The root cause of `alert` in `repo`. Raises NothingToAnalyse when RCA cannot start."""
    options = options or Options()
    index = commit_index(repo)
    deploys = resolve_deploys(repo, deploys)
    warnings: list[str] = []
    base_sha = resolve_release(repo, alert.release, deploys) if alert.release else None
    if base_sha is None:
        base_sha = vcs.resolve(repo, options.default_ref)
        if base_sha is None:
            raise NothingToAnalyse(f"RCA could not find release {alert.release!r} or "
                                   f"{options.default_ref!r} in the repository")
        if alert.release:
            warnings.append(f"release {alert.release!r} names no commit of this repository; "
                            f"analysed {options.default_ref} ({base_sha[:10]}) instead")
    files = vcs.list_files(repo, base_sha)
    frames = map_frames(alert.frames, set(files), options.prefixes)
    exception_type, message = alert.exception_type, alert.exception_message
    failure: ci.CiFailure | None = None
    if alert.source == "ci":
        if options.runner is None:
            raise NothingToAnalyse("a CI alert carries no traceback and no sandbox was given "
                                   "to reproduce it")
        runner = options.runner
        failure = ci.reproduce(runner.sandbox, repo, base_sha, runner.command,
                               runner.timeout_s, alert, runner.worktrees)
        if failure is None:
            raise NothingToAnalyse(f"the repository's tests pass at {base_sha[:10]}: "
                                   "the CI failure does not reproduce")
        if not failure.nodeids:
            raise NothingToAnalyse(f"the test run at {base_sha[:10]} failed without any test "
                                   f"result: {failure.output.strip()[-300:]}")
        frames = map_frames(failure.frames, set(files), options.prefixes)
        # The check says only that tests failed; the reproduction says what was raised.
        if failure.exception_type:
            exception_type, message = failure.exception_type, failure.exception_message

    code_frames = [f for f in frames if f.in_app and f.repo_path and f.lineno
                   and not (failure and is_test_path(f.repo_path))]
    crash = code_frames[-1] if code_frames else None
    if crash is None and failure is None:
        raise NothingToAnalyse(
            "RCA had nothing to work on: the alert has no stack frame that maps to a file of "
            f"the repository ({len(alert.frames)} frame(s), none in the repository)")
    for frame in code_frames:
        assert frame.repo_path is not None
        if context_matches(frame, index.source(base_sha, frame.repo_path)) is False:
            warnings.append(f"the running code differs from {base_sha[:10]} at "
                            f"{frame.repo_path}:{frame.lineno}: the event shows "
                            f"{(frame.context_line or '').strip()!r}")

    line_deploys = deploys_on_line(repo, deploys, base_sha, alert.environment)
    sighting = first_sighting(alert, options.first_seen)
    first_window = (ci_window(repo, base_sha, line_deploys) if failure is not None
                    else deploy_window(repo, base_sha, line_deploys, sighting.when))
    values = named_values(exception_type, message)
    # A test failing on its own assert leaves no frame in the code under test; what every
    # failing test calls is still known, from its source.
    tested = exercised_functions(repo, index, base_sha, failure.nodeids) if failure else []
    window, ranked = _rank_widening(repo, index, base_sha, first_window, line_deploys,
                                    code_frames, values, tested)
    timeline, latent = None, False
    if failure is None:  # a CI failure is not a production sighting: bisection decides
        timeline = Timeline(repo, line_deploys, first_window, sighting)
        ranked, latent = timeline.order(ranked)
    confirmation, confirmed = "", None
    if failure is not None and options.runner is not None:
        runner = options.runner
        reproduction = ci.reproduction_of(failure, runner.command, runner.timeout_s)
        # Running code beats static evidence: bisect from the deploy window itself.
        ranked, window, confirmation, confirmed = _bisect_ci(
            repo, runner, reproduction, first_window, line_deploys, ranked)

    no_culprit = not ranked or (not confirmed and (
        commit_change(repo, ranked[0].sha).is_root or not ranked[0].strong))
    location = None
    if crash is not None and crash.repo_path and crash.lineno:
        location = _location(index, base_sha, crash.repo_path, crash.lineno, crash)
    elif failure is not None:
        called = [t.qualname for t in tested]
        first = next((t for t in tested if t.depth == 1), None)
        at = index.find_function(base_sha, first.path, first.qualname) if first else None
        fallback = (first.path, at.start_line) if first and at else None
        spot = (_changed_function(index, repo, ranked[0].sha, called)
                if ranked and confirmed else None)
        if spot and vcs.show_file(repo, base_sha, spot[0]) is not None:
            symbol = index.function_at(ranked[0].sha, spot[0], spot[1])
            at_base = index.find_function(base_sha, spot[0], symbol.qualname) if symbol else None
            spot = (spot[0], at_base.start_line) if at_base else None
        spot = spot or fallback
        if spot:
            location = _location(index, base_sha, spot[0], spot[1])
    rc = RootCause(
        base_sha=base_sha, location=location, frames=frames,
        suspects=_suspects(repo, ranked, base_sha, line_deploys, options.web_url, timeline),
        running_deploy=window.bad or (line_deploys[-1] if line_deploys else None),
        confidence=0.95 if confirmed else _confidence(ranked, bool(warnings), no_culprit,
                                                      latent and sighting.known),
        warnings=warnings, no_culprit_in_history=no_culprit, window=window.commits,
        window_start=window.start_sha, window_text=window.describe(),
        reproduction=failure.nodeids if failure else [], confirmed=confirmed,
        confirmation=confirmation, latent=latent,
        first_seen=sighting.when if timeline else None,
        first_seen_from=sighting.source if timeline else "",
        first_seen_known=bool(timeline) and sighting.known,
        exception_type=exception_type, exception_message=message)
    rc.explanation = explain(rc, exception_type, failure.nodeids if failure else None)
    return rc


def _bisect_ci(repo: git.Repo, runner: Runner, reproduction: Reproduction, window: Window,
               deploys: list[Deploy], ranked: list[Scored]
               ) -> tuple[list[Scored], Window, str, bool | None]:
    """Bisect the failing tests over the window (widening when the fault is older); the found
    commit is ranked first with the bisection as its evidence."""
    current: Window | None = window
    tested = 0
    described = ", ".join(f"`{n}`" for n in reproduction.nodeids[:3])
    while current is not None:
        found = bisect_window(runner.sandbox, repo, current.commits, reproduction,
                              runner.worktrees, current.start_sha)
        tested += len(found.tested)
        if found.first_bad and current.start_sha is None and not repo.commit(
                found.first_bad).parents:
            break  # fails from the very first commit on: nothing in the history broke it
        if found.first_bad:
            sha = found.first_bad
            line = (f"found by bisection: {described} first fail(s) at {sha[:10]} "
                    f"({tested} commit(s) tested)")
            existing = next((s for s in ranked if s.sha == sha), None) or Scored(sha)
            existing.evidence.append(line)
            existing.kinds.add("bisect")
            existing.score = max((s.score for s in ranked), default=0.0) + 1.0
            others = [s for s in ranked if s.sha != sha]
            return [existing, *others], current, line, True
        if not (current.start_sha and found.tested.get(current.start_sha) == "bad"):
            return ranked, current, (f"bisection with {described} was inconclusive "
                                     f"({tested} commit(s) tested)"), False
        current = widen(repo, current, deploys)
    return ranked, window, (f"{described} fail(s) at every commit of the history: the fault "
                            "predates it"), False


def as_dict(rc: RootCause) -> dict[str, Any]:
    """A compact summary (for scripts and logs)."""
    return {"base": rc.base_sha[:10], "location": rc.location.model_dump() if rc.location
            else None, "suspects": [(s.sha[:10], s.score, s.kinds) for s in rc.suspects],
            "no_culprit_in_history": rc.no_culprit_in_history, "confidence": rc.confidence}
