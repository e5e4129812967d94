"""ticket: one ticket per fingerprint. A new fault files one; a known one is told of the
occurrence (the one rule for that: agent/incidents/occurrences.py)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.incidents.occurrences import tell_ticket
from agent.nodes.base import stage, text, title
from agent.state import IncidentState
from tools.ports import TicketDraft, TicketStatus


def incident_label(incident_id: str) -> str:
    return f"alertfix-{incident_id}"


@stage("ticket")
def ticket(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    alert = state.alert
    assert alert is not None
    tracker = runtime.context.tracker
    existing = tracker.find(alert.fingerprint)
    if existing and incident_label(state.incident_id) in existing.labels:
        # This incident filed it before a crash or resume: nothing more to do.
        return {"ticket": existing, "_summary": f"{existing.key} (already filed)"}
    if existing and existing.status != TicketStatus.DONE:
        tell_ticket(tracker, existing.key, alert, state.incident_id)
        found = tracker.transition(existing.key, TicketStatus.IN_PROGRESS)
        return {"ticket": found, "_summary": f"{found.key}: new occurrence, commented"}
    if existing:  # Done before: the fault is back
        tracker.transition(existing.key, TicketStatus.REOPENED)
        tell_ticket(tracker, existing.key, alert, state.incident_id, recurrence=True)
        found = tracker.transition(existing.key, TicketStatus.IN_PROGRESS)
        return {"ticket": found, "_summary": f"{found.key}: fault is back, reopened"}
    crash = alert.crash_frame
    created = tracker.create(TicketDraft(
        title=title(f"{alert.exception_type or 'Error'}: {alert.exception_message}"),
        body=text("ticket.md.j2", alert=alert, crash=crash, repo=state.repo),
        fingerprint=alert.fingerprint,
        labels=["alertfix", alert.source, incident_label(state.incident_id)],
        severity=alert.severity_name,
    ))
    created = tracker.transition(created.key, TicketStatus.IN_PROGRESS)
    return {"ticket": created, "_summary": f"filed {created.key}"}
