"""intake: the alert as parsed and redacted at the edge, summarised into the timeline."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage
from agent.state import IncidentState


@stage("intake")
def intake(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    alert = state.alert
    assert alert is not None  # the service never starts an incident without one
    where = alert.crash_frame
    summary = f"{alert.exception_type}: {alert.exception_message}"[:120]
    if where:
        summary += f" in {where.function} ({where.filename}:{where.lineno})"
    return {"_summary": summary}
