"""`git bisect run` semantics over a list of commits, with the probe supplied by the caller.

The list is the suspect window, oldest first; its last commit is known bad, the commit
before its first is known good. A probe answers "good", "bad" or "skip" (cannot tell: the
test does not exist yet, the code does not import); skipped commits are stepped around as
`git bisect skip` does, and when skips hide the boundary the answer names every candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["good", "bad", "skip"]


@dataclass
class BisectResult:
    first_bad: str | None  # None when the window's first commit is already good… or all skip
    candidates: list[str]  # more than one when skipped commits hide the exact boundary
    tested: dict[str, Verdict] = field(default_factory=dict)


def bisect(commits: list[str], probe: Callable[[str], Verdict],
           last_is_bad: bool = True) -> BisectResult:
    """The first bad commit of `commits` (oldest first)."""
    tested: dict[str, Verdict] = {}

    def verdict(index: int) -> Verdict:
        sha = commits[index]
        if sha not in tested:
            tested[sha] = probe(sha)
        return tested[sha]

    if not commits:
        return BisectResult(None, [], tested)
    good, bad = -1, len(commits) - 1  # invariant: good is good (or before the window), bad is bad
    if not last_is_bad and verdict(bad) != "bad":
        return BisectResult(None, [], tested)
    while bad - good > 1:
        middle = (good + bad) // 2
        # Step around skipped commits: try the middle, then outwards within (good, bad).
        order = sorted(range(good + 1, bad), key=lambda i: (abs(i - middle), i))
        decided = False
        for index in order:
            answer = verdict(index)
            if answer == "skip":
                continue
            if answer == "bad":
                bad = index
            else:
                good = index
            decided = True
            break
        if not decided:  # everything between good and bad skips
            return BisectResult(None, commits[good + 1: bad + 1], tested)
    return BisectResult(commits[bad], [commits[bad]], tested)
