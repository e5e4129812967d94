"""What the monitors say about a fault before and after a deploy: one Reading per monitor.

The monitor that raised the alert is read as sightings (events, incidents, failed check runs)
over the fault's span before the deploy and the window since; an error-rate metric is read as
a rate against the service's own level before the fault. Monitors that cannot answer raise
the shared ServiceError kinds; nothing here turns an outage into a count of zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from agent.verification.window import Counted, Judgement, judge, needed_s
from tools.monitors.metrics import ErrorRates, Point, step_for
from tools.ports import Alert, Deploy, EventSource

MIN_SPAN_S = 300.0  # a fault's span is never taken as shorter than this


@dataclass(frozen=True)
class Reading:
    monitor: str  # "sentry", "prometheus error rate", ...
    note: str  # what the monitor tied the fault to
    judgement: Judgement
    needed_s: float | None  # how long after the deploy this monitor needs to verify
    new_events: int = 0
    links: list[str] = field(default_factory=list)
    chart_points: list[Point] = field(default_factory=list)  # (time, weight) or (time, rate/s)
    chart_start: datetime | None = None
    rate_series: bool = False  # chart_points are rate samples, not sightings

    def line(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.monitor}{note}: {self.judgement.text}"


def read_monitor(source: EventSource, alert: Alert, deploy: Deploy, now: datetime,
                 history_s: float, confidence: float, final: bool) -> Reading:
    """The fault's sightings in the monitor that raised it, before and after `deploy`."""
    shipped = deploy.deployed_at
    before = source.occurrences(alert, shipped - timedelta(seconds=history_s), shipped)
    after = source.occurrences(alert, shipped, max(now, shipped), deploy)
    first = min([alert.first_seen or alert.occurred_at, alert.occurred_at, *before.times])
    # Paged only part of the way back: the rate is what was read, over the span it covers.
    span_start = max(first if before.complete else before.span_start, before.start)
    counted = before.count if before.complete else len(before.times)
    fault = Counted(counted, max((shipped - span_start).total_seconds(), MIN_SPAN_S))
    window = Counted(after.count, max((after.end - after.start).total_seconds(), 0.0))
    if after.checks and not after.count:  # a monitor without a rate saw the fault absent
        verdict = Judgement("verified", None, f"passed {after.checks} time(s) after the deploy")
    else:
        verdict = judge(fault, window, confidence, final)
    return Reading(
        monitor=after.monitor, note=after.note or before.note, judgement=verdict,
        needed_s=needed_s(fault.per_s, confidence) if fault.count else None,
        new_events=after.count, links=after.links,
        chart_points=[(t, 1.0) for t in [*before.times, *after.times]],
        chart_start=span_start)


def _counted(points: list[Point], start: datetime, end: datetime, step_s: int) -> Counted:
    """Errors in [start, end) from per-second rate samples taken every `step_s`."""
    inside = [value for when, value in points if start <= when < end]
    return Counted(sum(inside) * step_s, max((end - start).total_seconds(), 0.0))


def read_metric(backend: ErrorRates, query: str, alert: Alert, deploy: Deploy,
                now: datetime, history_s: float, confidence: float, final: bool) -> Reading:
    """The service's error rate: a baseline before the fault, the fault's span up to the
    deploy, and the window since, from one range query."""
    shipped = deploy.deployed_at
    fault_start = min(alert.first_seen or alert.occurred_at, alert.occurred_at)
    fault_start = max(fault_start, shipped - timedelta(seconds=history_s))
    if (shipped - fault_start).total_seconds() < MIN_SPAN_S:
        fault_start = shipped - timedelta(seconds=MIN_SPAN_S)
    baseline_start = fault_start - max(shipped - fault_start, timedelta(hours=1))
    end = max(now, shipped)
    step = step_for(baseline_start, end)
    points = backend.series(query, baseline_start, end, step)
    if len(points) > 1:  # the backend may choose its own interval (Datadog does)
        gaps = sorted((b[0] - a[0]).total_seconds() for a, b in pairwise(points))
        step = max(int(gaps[len(gaps) // 2]), 1)
    baseline = _counted(points, baseline_start, fault_start, step)
    fault = _counted(points, fault_start, shipped, step)
    after = _counted(points, shipped, end, step)
    verdict = judge(fault, after, confidence, final, background_per_s=baseline.per_s,
                    noun="errors")
    return Reading(
        monitor=f"{backend.name} error rate", note=query[:120], judgement=verdict,
        needed_s=needed_s(fault.per_s - baseline.per_s, confidence),
        new_events=0, chart_points=points, chart_start=baseline_start, rate_series=True)
