"""Redaction of secrets and personal data from everything that leaves the process.

Tickets, PR bodies, log lines and model prompts all pass through `redact`. It is idempotent
(redacting twice changes nothing), keeps the text around a value so that a reader still
sees what happened, and replaces each value with `[REDACTED:kind]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails.secrets import find_sensitive, is_sensitive_name

_MAX_DEPTH = 8  # frame vars can be self-referential or absurdly nested


def redact(text: str) -> str:
    findings = find_sensitive(text)
    if not findings:
        return text
    parts: list[str] = []
    last = 0
    for f in findings:
        parts.append(text[last : f.start])
        parts.append(f"[REDACTED:{f.kind}]")
        last = f.end
    parts.append(text[last:])
    return "".join(parts)


def redact_value(value: Any, depth: int = 0) -> Any:
    """Strings redacted, containers walked, numbers kept unless they look like card numbers."""
    if depth > _MAX_DEPTH:
        return "[TRUNCATED]"
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        text = str(value)
        return value if redact(text) == text else redact(text)
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return redact_vars(value, depth + 1)
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v, depth + 1) for v in value]
    return redact(repr(value))  # an object: only its text form can leave the process


def redact_vars(vars: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """Frame variables with sensitive names hidden entirely and all other values redacted."""
    out: dict[str, Any] = {}
    for key, value in vars.items():
        name = str(key)
        if depth > _MAX_DEPTH:
            out[name] = "[TRUNCATED]"
        elif is_sensitive_name(name) and value not in (None, "", "None", "''"):
            out[name] = "[REDACTED]"
        else:
            out[redact(name)] = redact_value(value, depth)
    return out
