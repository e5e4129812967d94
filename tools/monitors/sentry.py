"""Sentry payloads → Alert.

Accepts the integration-platform `event_alert` webhook body, a raw event as an SDK sends it
(what alertfix's own ingest receives), and the legacy WebHooks plugin body.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from tools.ports import Alert, AlertParseError, Frame


def event_from_payload(payload: Any) -> dict[str, Any]:
    """The Sentry event inside any of the accepted payload shapes."""
    if not isinstance(payload, dict):
        raise AlertParseError("a Sentry payload must be a JSON object")
    data = payload.get("data")
    if isinstance(data, dict) and isinstance(data.get("event"), dict):
        return data["event"]  # integration platform: event_alert, error
    if isinstance(payload.get("event"), dict) and "project" in payload:
        return {**payload["event"], "web_url": payload.get("url", "")}  # legacy plugin
    if "exception" in payload or "event_id" in payload:
        return payload  # a raw SDK event
    raise AlertParseError(
        "not a Sentry alert: expected an event_alert webhook (data.event), "
        "a legacy webhook (event, project) or a raw event (exception)"
    )


def _timestamp(event: dict[str, Any]) -> datetime:
    value = event.get("timestamp") or event.get("datetime")
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        pass
    return datetime.now(UTC)


def _frames(raw_frames: list[Any]) -> list[Frame]:
    frames = []
    for raw in raw_frames:
        if not isinstance(raw, dict):
            continue
        lineno = raw.get("lineno")
        frames.append(Frame(
            filename=str(raw.get("filename") or ""),
            abs_path=str(raw.get("abs_path") or ""),
            module=str(raw.get("module") or ""),
            function=str(raw.get("function") or ""),
            lineno=lineno if isinstance(lineno, int) else None,
            context_line=raw.get("context_line") if isinstance(raw.get("context_line"), str)
            else None,
            in_app=bool(raw.get("in_app", True)),
            vars=raw.get("vars") if isinstance(raw.get("vars"), dict) else {},
        ))
    return frames


def _tags(event: dict[str, Any]) -> dict[str, str]:
    tags = event.get("tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t[0]): str(t[1]) for t in tags if isinstance(t, list | tuple) and len(t) == 2}


def fingerprint(exception_type: str, frames: list[Frame]) -> str:
    """One fault, one fingerprint: the exception type and the in-app call path.

    Line numbers and messages are left out: they change with unrelated edits and with data.
    """
    path = [f for f in frames if f.in_app] or frames
    parts = [exception_type] + [f"{f.module or f.filename}:{f.function}" for f in path]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def parse_event(event: dict[str, Any], raw: dict[str, Any] | None = None) -> Alert:
    values = (event.get("exception") or {}).get("values") or []
    if not values:
        meta = event.get("metadata") or {}
        exc_type, message, frames = meta.get("type", ""), meta.get("value", ""), []
        if not exc_type and not event.get("title"):
            raise AlertParseError("the Sentry event has no exception and no title")
    else:
        raised = values[-1]  # innermost first: the last value is the one raised
        exc_type = str(raised.get("type") or "")
        message = str(raised.get("value") or "")
        frames = _frames(((raised.get("stacktrace") or {}).get("frames")) or [])
    tags = _tags(event)
    links = {k: str(event[k]) for k in ("web_url", "issue_url") if event.get(k)}
    return Alert(
        source="sentry",
        service=str(tags.get("service") or event.get("project") or ""),
        environment=str(event.get("environment") or tags.get("environment") or ""),
        release=str(event.get("release") or ""),
        title=str(event.get("title") or f"{exc_type}: {message}"),
        exception_type=exc_type,
        exception_message=message,
        frames=frames,
        fingerprint=fingerprint(exc_type, frames),
        occurred_at=_timestamp(event),
        links=links,
        raw=raw if raw is not None else event,
    )


def parse_alert(payload: Any) -> Alert:
    return parse_event(event_from_payload(payload), raw=payload)
