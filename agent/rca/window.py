"""The suspect window: the commits that reached production between the last deploy without
the fault and the deploy that was running when it was first seen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import git

from tools.ports import Deploy


@dataclass
class Window:
    good: Deploy | None  # the last deploy before the first sighting that did not have the fault
    bad: Deploy | None  # the deploy running at the first sighting
    end_sha: str  # the newest commit the fault can come from
    commits: list[str]  # shas oldest first, good (excluded) .. end_sha (included), no merges
    widened: int = 0  # how many deploys further back than the first guess

    @property
    def start_sha(self) -> str | None:
        return self.good.sha if self.good else None

    def describe(self) -> str:
        end = f"`{self.bad.name}` ({self.end_sha[:10]})" if self.bad else f"{self.end_sha[:10]}"
        if self.good is None:
            return f"the whole history, {len(self.commits)} commit(s) up to {end}"
        return (f"{len(self.commits)} commit(s) after `{self.good.name}` "
                f"({self.good.sha[:10]}) up to {end}")


def deploys_on_line(repo: git.Repo, deploys: list[Deploy], base_sha: str,
                    environment: str = "") -> list[Deploy]:
    """Deploys of `environment` (when it has any) whose commit is in `base_sha`'s history,
    oldest first: other branches and other environments say nothing about this fault."""
    same_env = [d for d in deploys if d.environment == environment] if environment else []
    candidates = same_env or deploys
    base = repo.commit(base_sha)
    on_line = []
    for deploy in candidates:
        try:
            if repo.is_ancestor(repo.commit(deploy.sha), base):
                on_line.append(deploy)
        except (ValueError, git.GitCommandError, git.BadName):
            continue
    return sorted(on_line, key=lambda d: d.deployed_at)


def running_at(deploys: list[Deploy], when: datetime) -> Deploy | None:
    """The last deploy at or before `when`."""
    before = [d for d in deploys if d.deployed_at <= when]
    return before[-1] if before else None


def _commits(repo: git.Repo, start: str | None, end: str) -> list[str]:
    span = f"{start}..{end}" if start else end
    return repo.git.rev_list("--reverse", "--topo-order", "--no-merges", span).split()


def deploy_window(repo: git.Repo, base_sha: str, deploys: list[Deploy],
                  first_seen: datetime) -> Window:
    """The first guess: from the deploy before the one running at `first_seen` to that one.

    Without deploys, or when the fault was seen before any deploy on this line, the window
    is the whole history up to `base_sha`.
    """
    bad = running_at(deploys, first_seen)
    if bad is None:
        return Window(None, None, base_sha, _commits(repo, None, base_sha))
    position = deploys.index(bad)
    good = deploys[position - 1] if position > 0 else None
    return Window(good, bad, bad.sha, _commits(repo, good.sha if good else None, bad.sha))


def ci_window(repo: git.Repo, base_sha: str, deploys: list[Deploy]) -> Window:
    """For a failing check: from the newest deploy before `base_sha` (the commit CI ran) to
    it. Commits pushed after the last deploy never ran in production, but they are exactly
    what CI tests; when the last deploy is `base_sha` itself, the deploy before it."""
    before = [d for d in deploys if d.sha != base_sha]
    if len(before) == len(deploys) and before:
        good = before[-1]
        return Window(good, None, base_sha, _commits(repo, good.sha, base_sha))
    return deploy_window(repo, base_sha, deploys, deploys[-1].deployed_at) if deploys else \
        Window(None, None, base_sha, _commits(repo, None, base_sha))


def widen(repo: git.Repo, window: Window, deploys: list[Deploy]) -> Window | None:
    """One deploy further back (or the whole history); None when it already is everything."""
    if window.good is None:
        return None
    position = deploys.index(window.good)
    good = deploys[position - 1] if position > 0 else None
    return Window(good, window.bad, window.end_sha,
                  _commits(repo, good.sha if good else None, window.end_sha),
                  window.widened + 1)


def first_sighting(count_since: Callable[[datetime], int], deploys: list[Deploy],
                   until: datetime, max_deploys: int = 20) -> datetime | None:
    """When the fault was first seen, to the resolution of deploys: the start of the earliest
    deploy period (among the last `max_deploys`) with events, from `count_since(t)` = events
    since t. None when there were no events at all (the caller keeps the alert's time)."""
    recent = [d for d in deploys if d.deployed_at <= until][-max_deploys:]
    if not recent or count_since(recent[0].deployed_at) == 0:
        return None
    for position, deploy in enumerate(recent):
        after = recent[position + 1].deployed_at if position + 1 < len(recent) else None
        during = count_since(deploy.deployed_at) - (count_since(after) if after else 0)
        if during > 0:
            return deploy.deployed_at
    return None
