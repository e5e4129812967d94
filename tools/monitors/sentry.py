"""Sentry payloads → Alert, the fingerprint every source shares, and the Sentry API client.

Accepts the integration-platform `event_alert` and `error` webhook bodies, a raw event as an
SDK sends it (what alertfix's own ingest receives), and the legacy WebHooks plugin body. The
`issue` resource carries no stack trace: `SentryClient.latest_event` fetches one.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from tools.monitors.http import MonitorAPI, parse_time
from tools.ports import Alert, AlertParseError, Frame, MonitorRefused, RetryPolicy


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: payload fields are untrusted."""
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------- fingerprint

_LIBRARY_PATH = re.compile(
    r"(^|/)(site-packages|dist-packages)/|(^|/)lib/python\d+(\.\d+)?/|^<")
# Quoted values, UUIDs, hex ids and numbers: most specific first (a UUID would otherwise
# become several numbers). All become one placeholder: the same slot may hold an id of any
# form (`order 42`, `order 0b7e9a30-...`).
_VOLATILE = re.compile("|".join((
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"",
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    r"\b(?=[0-9a-fA-F]*\d)(?:0x)?[0-9a-fA-F]{6,}\b",
    r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?",
)))
_MAX_FRAMES = 8  # the innermost in-app frames: servers trim deep stacks from the outside in


def is_library_path(path: str) -> bool:
    """A frame in an installed package, the standard library or generated code."""
    return bool(path) and bool(_LIBRARY_PATH.search(path.replace("\\", "/")))


def frame_key(frame: Frame) -> str:
    """`module:function`, the same whichever source reported the frame.

    Sentry reports `shop/pricing.py` and module `shop.pricing`, a traceback in a PagerDuty
    alert `/srv/app/shop/pricing.py`, and deploy prefixes differ per host: only the module's
    own name (the package's for `__init__`) survives all of them. Sentry may qualify the
    function with its class; tracebacks never do.
    """
    path = (frame.filename or frame.abs_path).replace("\\", "/")
    if path and not path.startswith("<"):
        parts = [p for p in re.sub(r"\.py[cw]?$", "", path).split("/") if p not in ("", ".")]
    else:
        parts = frame.module.split(".") if frame.module else [path]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    function = frame.function.rsplit(".", 1)[-1]
    return f"{parts[-1] if parts else ''}:{function}"


def fingerprint_frames(frames: list[Frame]) -> list[Frame]:
    """The frames a fingerprint is built from: in-app, outside libraries, innermost last."""
    return [f for f in frames if f.in_app and not is_library_path(f.abs_path or f.filename)]


def normalise_message(message: str) -> str:
    """The message with its volatile parts (quoted values, ids, numbers) replaced."""
    return " ".join(_VOLATILE.sub("<*>", message).split())


def fingerprint(exception_type: str, frames: list[Frame], message: str = "") -> str:
    """One fault, one fingerprint: the exception type and the normalised in-app call path.

    Line numbers are left out (they move with unrelated edits), and so is the message while
    there are frames (it carries data). Recursion is collapsed so that depth does not matter.
    With no in-app frame at all, the message with its volatile parts removed stands in.
    """
    keys: list[str] = []
    for frame in fingerprint_frames(frames):
        key = frame_key(frame)
        if not keys or keys[-1] != key:
            keys.append(key)
    keys = keys[-_MAX_FRAMES:]  # after collapsing: the depth of a recursion must not matter
    exc = exception_type.rsplit(".", 1)[-1]
    parts = [exc, *keys] if keys else [exc, normalise_message(message)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# ---------------------------------------------------------------- payload shapes

def event_from_payload(payload: Any) -> dict[str, Any]:
    """The Sentry event inside any of the accepted payload shapes."""
    if not isinstance(payload, dict):
        raise AlertParseError("a Sentry payload must be a JSON object")
    data = payload.get("data")
    if isinstance(data, dict):
        for resource in ("event", "error"):  # integration platform: event_alert, error
            if isinstance(data.get(resource), dict):
                return dict(data[resource])
    if isinstance(payload.get("event"), dict) and "project" in payload:
        return {**payload["event"], "web_url": payload.get("url", "")}  # legacy plugin
    if "exception" in payload or "event_id" in payload:
        return payload  # a raw SDK event
    raise AlertParseError(
        "not a Sentry alert: expected an event_alert or error webhook (data.event, "
        "data.error), a legacy webhook (event, project) or a raw event (exception)"
    )


def _timestamp(event: dict[str, Any]) -> datetime:
    value = event.get("timestamp") or event.get("datetime") or event.get("dateCreated")
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return datetime.now(UTC)


def first_seen(payload: Any) -> datetime | None:
    """The issue's `firstSeen` when the payload carries the issue (an `issue` webhook, or a
    body completed by `SentryClient.with_issue`): when the fault was first seen."""
    issue = as_dict(as_dict(as_dict(payload).get("data")).get("issue"))
    return parse_time(issue.get("firstSeen"))


def _field(raw: dict[str, Any], snake: str, camel: str) -> Any:
    """Events from SDKs and webhooks use snake_case; the REST API answers in camelCase."""
    return raw[snake] if snake in raw else raw.get(camel)


def _context_line(raw: dict[str, Any], lineno: int | None) -> str | None:
    if isinstance(raw.get("context_line"), str):
        return str(raw["context_line"])
    for pair in raw.get("context") or []:  # REST API: [[lineno, text], ...]
        if isinstance(pair, list) and len(pair) == 2 and pair[0] == lineno:
            return str(pair[1])
    return None


def _frames(raw_frames: list[Any]) -> list[Frame]:
    frames = []
    for raw in raw_frames:
        if not isinstance(raw, dict):
            continue
        lineno = _field(raw, "lineno", "lineNo")
        lineno = lineno if isinstance(lineno, int) else None
        in_app = _field(raw, "in_app", "inApp")
        frames.append(Frame(
            filename=str(raw.get("filename") or ""),
            abs_path=str(_field(raw, "abs_path", "absPath") or ""),
            module=str(raw.get("module") or ""),
            function=str(raw.get("function") or ""),
            lineno=lineno,
            context_line=_context_line(raw, lineno),
            in_app=True if in_app is None else bool(in_app),
            vars=as_dict(raw.get("vars")),
        ))
    return frames


def _exception_values(event: dict[str, Any]) -> list[dict[str, Any]]:
    exception = event.get("exception")
    if exception is None:  # REST API events keep it among their entries
        for entry in event.get("entries") or []:
            if isinstance(entry, dict) and entry.get("type") == "exception":
                exception = entry.get("data")
    values = exception.get("values") if isinstance(exception, dict) else exception
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _tags(event: dict[str, Any]) -> dict[str, str]:
    tags = event.get("tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    pairs = {str(t[0]): str(t[1]) for t in tags if isinstance(t, list | tuple) and len(t) == 2}
    pairs.update({str(t["key"]): str(t.get("value")) for t in tags  # REST API: key/value
                  if isinstance(t, dict) and "key" in t})
    return pairs


def _release(event: dict[str, Any]) -> str:
    release = event.get("release")
    if isinstance(release, dict):  # REST API: the release object
        return str(release.get("version") or "")
    return str(release or "")


def check_event(event: dict[str, Any]) -> None:
    """AlertParseError unless `event` has what parse_event needs (cheap: no Alert built)."""
    if not _exception_values(event) and not (
            as_dict(event.get("metadata")).get("type") or event.get("title")):
        raise AlertParseError("the Sentry event has no exception and no title")


def checked_event(payload: Any) -> dict[str, Any]:
    """The event of an accepted payload shape, checked as parse_alert would check it: what
    the webhook verifies before acknowledging, leaving the parsing to the worker."""
    event = event_from_payload(payload)
    check_event(event)
    return event


def parse_event(event: dict[str, Any], raw: dict[str, Any] | None = None) -> Alert:
    check_event(event)
    values = _exception_values(event)
    if not values:
        meta = as_dict(event.get("metadata"))
        exc_type, message = str(meta.get("type") or ""), str(meta.get("value") or "")
        frames: list[Frame] = []
        message = message or str(event.get("title") or "")
    else:
        raised = values[-1]  # innermost first: the last value is the one raised
        exc_type = str(raised.get("type") or "")
        message = str(raised.get("value") or "")
        raw_frames = as_dict(raised.get("stacktrace")).get("frames")
        frames = _frames(raw_frames if isinstance(raw_frames, list) else [])
    tags = _tags(event)
    links = {k: str(event[k]) for k in ("web_url", "issue_url") if event.get(k)}
    return Alert(
        source="sentry",
        service=str(tags.get("service") or event.get("project") or ""),
        environment=str(event.get("environment") or tags.get("environment") or ""),
        release=_release(event),
        severity=str(event.get("level") or "error").lower(),  # fatal, error, warning, info
        title=str(event.get("title") or f"{exc_type}: {message}"),
        exception_type=exc_type,
        exception_message=message,
        frames=frames,
        fingerprint=fingerprint(exc_type, frames, message),
        occurred_at=_timestamp(event),
        first_seen=first_seen(raw),
        links=links,
        raw=raw if raw is not None else event,
    )


def parse_alert(payload: Any) -> Alert:
    return parse_event(event_from_payload(payload), raw=payload)


def issue_id(payload: Any) -> str | None:
    """The issue id of an integration-platform `issue` webhook body, if it is one."""
    data = payload.get("data") if isinstance(payload, dict) else None
    issue = data.get("issue") if isinstance(data, dict) else None
    if isinstance(issue, dict) and issue.get("id") not in (None, ""):
        return str(issue["id"])
    return None


def event_issue_id(payload: Any) -> str | None:
    """The issue an `event_alert` or `error` webhook's event belongs to (`issue_id`)."""
    data = as_dict(as_dict(payload).get("data"))
    for resource in ("event", "error"):
        value = as_dict(data.get(resource)).get("issue_id")
        if value not in (None, ""):
            return str(value)
    return None


# ---------------------------------------------------------------- REST API

class SentryClient:
    """The few Sentry REST API reads alertfix needs (`/api/0/`, bearer token)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0,
                 transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self._api = MonitorAPI(
            "Sentry", base_url.rstrip("/") + "/api/0",
            {"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout_s=timeout_s, retry=retry, transport=transport)

    def close(self) -> None:
        self._api.close()

    def _get(self, path: str) -> Any:
        return self._api.json("GET", path)

    def latest_event(self, issue: str) -> dict[str, Any]:
        """The newest event of an issue, with its stack trace."""
        if not issue.isdigit():
            raise MonitorRefused(f"not a Sentry issue id: {issue[:40]!r}")
        event = self._get(f"issues/{issue}/events/latest/")
        if not isinstance(event, dict):
            raise MonitorRefused("Sentry: the latest event is not a JSON object")
        return event

    def issue(self, issue: str) -> dict[str, Any]:
        """`GET /api/0/issues/{id}/`: the issue, with its `firstSeen`."""
        if not issue.isdigit():
            raise MonitorRefused(f"not a Sentry issue id: {issue[:40]!r}")
        found = self._get(f"issues/{issue}/")
        if not isinstance(found, dict):
            raise MonitorRefused("Sentry: the issue is not a JSON object")
        return found

    def with_issue(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An `event_alert` or `error` webhook body with its issue joined in as `data.issue`
        (so the alert knows when the fault was first seen); unchanged when it names none."""
        found = event_issue_id(payload)
        data = payload.get("data")
        if found is None or not isinstance(data, dict) or isinstance(data.get("issue"), dict):
            return payload
        return {**payload, "data": {**data, "issue": self.issue(found)}}

    def issue_alert(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An `issue` webhook body made whole: its latest event joined in as `data.event`."""
        found = issue_id(payload)
        if found is None:
            raise AlertParseError("an issue webhook needs data.issue.id")
        event = self.latest_event(found)
        issue = payload["data"]["issue"]
        event.setdefault("issue_id", found)
        if issue.get("permalink") or issue.get("web_url"):
            event.setdefault("web_url", issue.get("permalink") or issue.get("web_url"))
        return {**payload, "data": {**payload["data"], "event": event}}
