"""An outside service that stayed unavailable through a stage's retries: the incident waits
for it (a ServiceWait), and says so where someone will look: the ticket, or, when the tracker
is the one down, the audit log and `alertfix status`."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from agent.context import build_context
from agent.incidents.store import IncidentRow
from agent.incidents.waits import WAIT, ServiceWait
from agent.runtime import compiled_graph, thread
from agent.settings import Settings
from agent.state import RepoRef
from guardrails.redact import redact
from tools.ports import Unavailable

log = logging.getLogger("alertfix.incidents")
MAX_BACKOFF = 12  # the wait doubles per failed retry, up to this many times service_wait_s


def wait_for_service(settings: Settings, row: IncidentRow, exc: Unavailable) -> ServiceWait:
    """The wait to record: when to try again (a Retry-After wins when longer), and why."""
    previous = WAIT.validate_json(row.waiting) if row.waiting else None
    attempts = previous.attempts + 1 if isinstance(previous, ServiceWait) else 1
    delay = max(exc.retry_after or 0.0,
                settings.service_wait_s * min(2 ** (attempts - 1), MAX_BACKOFF))
    with compiled_graph(settings) as app:
        snapshot = app.get_state(thread(row.incident_id))
    stage = ", ".join(snapshot.next)
    reason = redact(str(exc))[:300]
    waiting = ServiceWait(port=exc.port, reason=reason, stage=stage,
                          retry_at=time.time() + delay, attempts=attempts)
    when = datetime.fromtimestamp(waiting.retry_at or 0, UTC)
    ctx = build_context(settings, RepoRef.model_validate_json(row.repo))
    ctx.audit.record(row.incident_id, "waiting", port=exc.port, stage=stage, reason=reason)
    log.warning("%s waits for the %s (%s): %s", row.incident_id, exc.port, stage, reason)
    values = snapshot.values
    ticket = values.get("ticket") if isinstance(values, dict) else None
    if exc.port != "tracker" and ticket is not None and attempts == 1:  # said once
        try:
            ctx.tracker.comment(ticket.key, (
                f"**alertfix is waiting for the {exc.port}** ({stage}): {reason}. It tries "
                f"again after {when:%Y-%m-%d %H:%M UTC}, or now with "
                f"`alertfix retry {row.incident_id}`."))
        except Exception as failed:  # the audit log and `alertfix status` still say it
            log.warning("%s: the ticket was not told (%s)", row.incident_id,
                        type(failed).__name__)
    return waiting
