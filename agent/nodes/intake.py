"""intake: the payload as received → an Alert (exception, frames, release, fingerprint)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage
from agent.state import IncidentState
from tools.monitors import parse_alert


@stage("intake")
def intake(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    alert = parse_alert(state.source, state.raw_alert)
    where = alert.crash_frame
    summary = f"{alert.exception_type}: {alert.exception_message}"[:120]
    if where:
        summary += f" in {where.function} ({where.filename}:{where.lineno})"
    return {"alert": alert, "_summary": summary}
