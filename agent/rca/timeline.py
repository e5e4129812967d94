"""Time as evidence: when the fault was first seen, against when each suspect shipped.

A commit that ran in production for a while before the first sighting, without the error,
did not bring the fault on its own: something shipped later did (the window), or the code was
wrong all along and new data reached it (a latent bug). So, when a commit of the window
touches the failing path, every commit that ran clean before it ranks below the window's
commits, whatever its static score; when none does, the ranking stays on the code evidence
and the root cause says the bug looks latent. A commit shipped after the first sighting
cannot be where the fault came from: it always ranks below the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import git

from agent.rca.scoring import Scored
from agent.rca.window import Window
from tools import vcs
from tools.ports import Alert, Deploy

# A deploy must have run this long on its own, before the next one, for its silence to count.
MIN_CLEAN = timedelta(minutes=30)

Phase = Literal["window", "clean", "after", "unknown"]

FIRST_SEEN_FROM = {
    "sentry": "the Sentry issue's first-seen",
    "pagerduty": "the PagerDuty incident's creation time",
    "ci": "the check run's time",
}


@dataclass(frozen=True)
class Sighting:
    when: datetime
    source: str  # in words: where `when` comes from
    known: bool = True  # False: only this event's time, the fault may be older than it


def first_sighting(alert: Alert, counted: datetime | None = None) -> Sighting:
    """The earliest of what is known: the monitor's first-seen, the start of the first deploy
    period with events (`counted`), the event time."""
    known = []
    if alert.first_seen is not None:
        known.append((alert.first_seen, FIRST_SEEN_FROM.get(alert.source, "the monitor's "
                                                                           "first-seen")))
    if counted is not None:
        known.append((counted, "the start of the first deploy with events"))
    if not known:
        return Sighting(alert.occurred_at, "the event time", False)
    when, source = min(known, key=lambda pair: pair[0])
    # An event stamped a little before the recorded first-seen (clock skew) still counts.
    return Sighting(min(when, alert.occurred_at), source, True)


def span(delta: timedelta) -> str:
    """`delta` in rounded words: 40 min, 5 h, 12 days."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


@dataclass(frozen=True)
class Timing:
    phase: Phase
    deploy: Deploy | None
    text: str  # "" when there is nothing to say


@dataclass
class Timeline:
    repo: git.Repo
    deploys: list[Deploy]  # on the analysed line, oldest first
    window: Window  # the first window: the deploy running at the first sighting and before
    sighting: Sighting
    _cache: dict[str, Timing] = field(default_factory=dict)

    def timing(self, sha: str) -> Timing:
        if sha not in self._cache:
            self._cache[sha] = self._timing(sha)
        return self._cache[sha]

    def _timing(self, sha: str) -> Timing:
        running, seen = self.window.bad, self.sighting.when
        if running is None:
            return Timing("unknown", None, "")
        shipped = vcs.deploy_containing(self.repo, self.deploys, sha)
        if shipped is None:
            return Timing("unknown", None, "")
        if shipped.deployed_at > seen:
            return Timing("after", shipped, f"shipped in {shipped.name}, "
                          f"{span(shipped.deployed_at - seen)} after the first sighting: "
                          "the fault was already there")
        if running.deployed_at - shipped.deployed_at < MIN_CLEAN:
            return Timing("window", shipped, f"shipped in {shipped.name}, "
                          f"{span(seen - shipped.deployed_at)} before the "
                          + ("first sighting" if self.sighting.known else "event"))
        ran = f"ran {span(seen - shipped.deployed_at)} in production (since {shipped.name})"
        return Timing("clean", shipped, f"{ran} without this error before it was first seen"
                      if self.sighting.known else f"{ran} before this event")

    def order(self, ranked: list[Scored]) -> tuple[list[Scored], bool]:
        """`ranked` annotated with its time evidence and reordered by it; and whether the
        fault looks latent (nothing of the window touches the failing path)."""
        kinds = {"window": "in-window", "clean": "ran-clean", "after": "after-first-sighting"}
        for entry in ranked:
            timing = self.timing(entry.sha)
            if timing.phase in kinds:
                entry.kinds.add(kinds[timing.phase])
                entry.evidence.append(timing.text)
        touches = any(s.strong and self.timing(s.sha).phase == "window" for s in ranked)

        def tier(entry: Scored) -> int:
            phase = self.timing(entry.sha).phase
            return 2 if phase == "after" else 1 if phase == "clean" and touches else 0

        ranked = sorted(ranked, key=tier)  # stable: the score order holds within a tier
        latent = not touches and self.window.good is not None and (
            not ranked or self.timing(ranked[0].sha).phase == "clean")
        return ranked, latent
