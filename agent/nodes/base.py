"""What every node shares: timing into the timeline, and the one way text leaves the process."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import IncidentState, StageEvent
from guardrails.redact import redact
from guardrails.untrusted import fence, neutralise_line
from prompts import render
from tools.ports import Refused, Unavailable

Node = Callable[[IncidentState, Runtime[Context]], dict[str, Any]]


def stage(name: str) -> Callable[[Node], Node]:
    """Time a node, add a StageEvent and an audit entry; the node reports its summary as
    `_summary`. An outside service's errors are handled here, the same for every stage:
    Unavailable is retried with backoff (honouring its retry_after) and, once the retries
    run out, raised for the incident service to make the incident wait; Refused escalates
    with its reason."""

    def wrap(node: Node) -> Node:
        @functools.wraps(node)
        def run(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
            started = time.monotonic()
            try:
                update = with_retries(node, state, runtime)
            except Refused as exc:
                reason = f"the {exc.port} refused: {exc}"
                update = {"escalation": reason, "_summary": reason[:120]}
                if name == "escalate":  # nothing left to tell: the audit log has it
                    update["outcome"] = "escalated"
            finally:
                runtime.context.close_repositories()
            summary = redact(str(update.pop("_summary", "")))
            event = StageEvent(stage=name, seconds=time.monotonic() - started, summary=summary)
            runtime.context.audit.record(state.incident_id, name, summary=summary,
                                         escalation=redact(update.get("escalation") or ""))
            return {**update, "timeline": [event]}

        return run

    return wrap


def with_retries(node: Node, state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run the node, again after an Unavailable: `service_retries` times, waiting twice as
    long each time, or as long as the service asked when it said (and that is short enough
    to wait here). Nodes are idempotent, so running one again is safe."""
    settings = runtime.context.settings
    delay = settings.service_backoff_s
    for attempt in range(settings.service_retries + 1):
        try:
            return node(state, runtime)
        except Unavailable as exc:
            wait_s = max(exc.retry_after or 0.0, delay)
            if attempt == settings.service_retries or wait_s > settings.service_backoff_max_s:
                raise
            time.sleep(wait_s)
            delay *= 2
    raise AssertionError("unreachable")


def text(template: str, **variables: Any) -> str:
    """Render an outgoing text (ticket, PR, comment) with untrusted parts fenced and every
    secret or piece of personal data redacted."""
    return redact(render(template, {"fence": fence}, **variables))


def plain(value: str) -> str:
    """Plain outgoing text (a comment line, a commit message): redacted."""
    return redact(value)


def title(value: str) -> str:
    """A one-line title built from untrusted text: redacted, inert, Markdown escaped."""
    return neutralise_line(value, max_chars=200)
