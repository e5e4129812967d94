"""The ends of the loop: close (verified), reopen (the fault is back), escalate (a human
must take over; the ticket says what was tried and why alertfix stopped)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage, text
from agent.state import IncidentState, Verification
from agent.verification.report import chart_attachment, watched
from tools.ports import ServiceError, TicketStatus


def _chart(ctx: Context, key: str, verification: Verification) -> str:
    """The chart attached to the ticket, as the markup that shows it ("" when none)."""
    attachment = chart_attachment(verification)
    return ctx.tracker.attach(key, attachment) if attachment is not None else ""


def _resolve_in_monitor(ctx: Context, state: IncidentState) -> list[str]:
    """On a pass, when configured: the Sentry issue or PagerDuty incident marked resolved.
    A monitor that fails here is reported on the ticket; the ticket still closes."""
    if not ctx.settings.verify_resolve_in_monitor or state.alert is None:
        return []
    assert state.verification and state.pull_request
    note = f"Fixed by {state.pull_request.url or f'#{state.pull_request.number}'} (alertfix)"
    try:
        done = ctx.monitor_for(state.alert.source).resolve(
            state.alert, state.verification.deploy, note)
    except ServiceError as exc:
        return [f"could not resolve it in the monitor: {exc}"]
    return [done] if done else []


@stage("close")
def close(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    assert state.ticket and state.pull_request and state.verification
    ctx, verification = runtime.context, state.verification
    how_long, why = watched(verification, ctx.settings.verify_confidence)
    summary = text("closing.md.j2", pr=state.pull_request, verification=verification,
                   watched=how_long, why=why, actions=_resolve_in_monitor(ctx, state),
                   chart=_chart(ctx, state.ticket.key, verification))
    closed = ctx.tracker.close(state.ticket.key, summary)
    return {"ticket": closed, "outcome": "closed",
            "_summary": f"{closed.key} {closed.status} ({verification.verdict})"}


@stage("reopen")
def reopen(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    assert state.ticket and state.verification
    tracker = runtime.context.tracker
    tracker.comment(state.ticket.key, text(
        "reopening.md.j2", verification=state.verification,
        chart=_chart(runtime.context, state.ticket.key, state.verification)))
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
