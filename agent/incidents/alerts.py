"""The edge: a payload becomes an Alert once, and its secrets are redacted there, before
anything (the checkpoint store included) keeps it.

Frame variables keep their non-secret values (the regression test replays them); a variable
with a secret's name, or a value that is a secret, is replaced.
"""

from __future__ import annotations

from typing import Any

from guardrails.redact import redact, redact_value, redact_vars
from tools.monitors import parse_alert
from tools.ports import Alert


def incoming(source: str, payload: Any) -> Alert:
    """The redacted Alert in `payload`; AlertParseError says why when there is none."""
    alert = parse_alert(source, payload)
    frames = [frame.model_copy(update={"vars": redact_vars(frame.vars)})
              for frame in alert.frames]
    raw = redact_value(alert.raw)
    return alert.model_copy(update={
        "title": redact(alert.title),
        "exception_message": redact(alert.exception_message),
        "frames": frames,
        "raw": raw if isinstance(raw, dict) else {},
        "links": {k: redact(v) for k, v in alert.links.items()},
    })
