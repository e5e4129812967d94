"""The ends of the loop: close (verified), reopen (the fault is back), escalate (a human
must take over; the ticket says what was tried and why alertfix stopped)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import plain, stage, text
from agent.state import IncidentState
from tools.ports import TicketStatus


@stage("close")
def close(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    assert state.ticket and state.pull_request and state.verification
    summary = text("closing.md.j2", pr=state.pull_request, verification=state.verification)
    closed = runtime.context.tracker.close(state.ticket.key, summary)
    return {"ticket": closed, "outcome": "closed", "_summary": f"{closed.key} {closed.status}"}


@stage("reopen")
def reopen(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    assert state.ticket and state.verification
    tracker = runtime.context.tracker
    tracker.comment(state.ticket.key, "**Verification failed after deploy.** "
                    + plain(state.verification.detail))
    reopened = tracker.transition(state.ticket.key, TicketStatus.REOPENED)
    return {"ticket": reopened, "outcome": "reopened",
            "_summary": f"{reopened.key} {reopened.status}"}


@stage("escalate")
def escalate(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    reason = state.escalation or (
        f"{state.stop_after_rca}; the root cause above is all alertfix will do here"
        if state.stop_after_rca else "alertfix could not continue")
    tracker = runtime.context.tracker
    if state.ticket is None:  # nothing filed yet: the ticket node did not run
        return {"outcome": "escalated", "_summary": reason[:120]}
    tracker.comment(state.ticket.key, text(
        "escalation.md.j2", reason=reason, notes=state.repair_notes,
        candidates=len(state.candidates), validations=state.validations,
        root_cause=state.root_cause,
        chosen=state.chosen if state.confidence is not None else None,
        confidence=state.confidence))
    ticket = tracker.transition(state.ticket.key, TicketStatus.OPEN)
    return {"ticket": ticket, "outcome": "escalated", "_summary": reason[:120]}
