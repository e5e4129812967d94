"""The one rule for a fault that fires again: which incident it belongs to, and when its
ticket is told.

    route(latest incident of the fingerprint) → start | carry on | attach
    tell_ticket(...)                           the comment, throttled by the store

A closed or reopened incident's fault firing again starts a new incident (a regression, or a
fix that did not hold); a queued, paused, running or escalated one is attached to (counted,
and its ticket told at most once per `occurrence_comment_interval_s`); one whose run nobody
holds any more (its worker died mid-stage, or it stopped on an error) is carried on from its
last checkpoint.
"""

from __future__ import annotations

from typing import Literal

from agent.incidents.store import IncidentRow
from agent.nodes.base import plain, text
from tools.ports import Alert, Tracker

Route = Literal["start", "carry on", "attach"]
NEW_RUN_AFTER = frozenset({"closed", "reopened"})


def route(row: IncidentRow | None, held: bool) -> Route:
    """`held`: a live worker holds the incident's lease (service.IncidentService.held)."""
    if row is None or (row.finished and row.status in NEW_RUN_AFTER):
        return "start"
    # A run that died (a killed worker) or stopped on an error: this alert carries it on.
    running = row.status in ("starting", "running") or row.status.startswith("stopped by")
    return "carry on" if running and not held else "attach"


def tell_ticket(tracker: Tracker, key: str, alert: Alert, incident_id: str, *,
                recurrence: bool = False, since_last: int = 0, total: int = 0) -> None:
    """Comment on the ticket that the fault occurred again (or, `recurrence`, came back
    after its ticket was done)."""
    body = text("occurrence.md.j2", alert=alert, incident_id=incident_id, recurrence=recurrence)
    if since_last:
        body += "\n" + plain(f"{since_last} occurrence(s) since the last comment; "
                             f"{total} in all.")
    tracker.comment(key, body)
