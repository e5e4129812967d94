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

Node = Callable[[IncidentState, Runtime[Context]], dict[str, Any]]


def stage(name: str) -> Callable[[Node], Node]:
    """Time a node, add a StageEvent and an audit entry; the node reports its summary as
    `_summary`."""

    def wrap(node: Node) -> Node:
        @functools.wraps(node)
        def run(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
            started = time.monotonic()
            try:
                update = node(state, runtime)
            finally:
                runtime.context.close_repositories()
            summary = redact(str(update.pop("_summary", "")))
            event = StageEvent(stage=name, seconds=time.monotonic() - started, summary=summary)
            runtime.context.audit.record(state.incident_id, name, summary=summary,
                                         escalation=redact(update.get("escalation") or ""))
            return {**update, "timeline": [event]}

        return run

    return wrap


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
