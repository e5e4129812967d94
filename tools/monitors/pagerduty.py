"""PagerDuty V3 webhooks → Alert, and the REST API read that brings the alert details.

A V3 webhook carries the incident, not its alerts: the traceback or log lines sit in the
alerts' `body.details` (the Events API v2 `custom_details`), fetched with
`GET /incidents/{id}/alerts` and joined into the payload as `alerts` before parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tools.monitors.http import MonitorAPI
from tools.monitors.sentry import as_dict, fingerprint
from tools.monitors.traceback_parse import find_traceback
from tools.ports import Alert, AlertParseError, MonitorRefused, RetryPolicy


@dataclass(frozen=True)
class IncidentEvent:
    """What a V3 webhook says happened."""

    id: str  # the event id
    event_type: str  # incident.triggered, incident.resolved, ...
    incident_id: str
    service_id: str
    service_name: str


def incident_event(payload: Any) -> IncidentEvent:
    """The event in a V3 webhook body; AlertParseError says what is missing."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
        raise AlertParseError("not a PagerDuty V3 webhook: expected event.event_type")
    data = event.get("data")
    if event.get("resource_type", "incident") != "incident" or not isinstance(data, dict) \
            or not data.get("id"):
        raise AlertParseError("the PagerDuty event carries no incident (event.data.id)")
    service = as_dict(data.get("service"))
    return IncidentEvent(str(event.get("id") or ""), event["event_type"], str(data["id"]),
                         str(service.get("id") or ""), str(service.get("summary") or ""))


def _parsed(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _when(*values: Any) -> datetime:
    for value in values:
        if (parsed := _parsed(value)) is not None:
            return parsed
    return datetime.now(UTC)


def _details(alerts: list[Any]) -> list[dict[str, Any]]:
    found = []
    for alert in alerts:
        body = alert.get("body") if isinstance(alert, dict) else None
        details = body.get("details") if isinstance(body, dict) else None
        if isinstance(details, dict):
            found.append(details)
        elif isinstance(details, str | list):
            found.append({"details": details})
    return found


def parse_alert(payload: Any) -> Alert:
    """A V3 `incident.*` webhook body, with the incident's `alerts` joined in when fetched."""
    incident_event(payload)  # validates the shape
    event = payload["event"]
    data = event["data"]
    alerts = payload.get("alerts") if isinstance(payload.get("alerts"), list) else []
    details = _details(alerts)
    parsed = find_traceback(details)
    title = str(data.get("title") or data.get("summary") or "")
    exc_type, message, frames = (
        (parsed.exception_type, parsed.exception_message, parsed.frames) if parsed
        else ("", title, []))
    merged: dict[str, Any] = {}
    for item in details:
        merged.update(item)
    service = as_dict(data.get("service"))
    links = {"incident": str(data["html_url"])} if data.get("html_url") else {}
    return Alert(
        source="pagerduty",
        service=str(service.get("summary") or service.get("id") or ""),
        environment=str(merged.get("environment") or merged.get("env") or ""),
        release=str(merged.get("release") or merged.get("version") or ""),
        severity=str(merged.get("severity")
                     or ("critical" if data.get("urgency") == "high" else "error")).lower(),
        title=title or f"{exc_type}: {message}",
        exception_type=exc_type,
        exception_message=message,
        frames=frames,
        fingerprint=fingerprint(exc_type, frames, message),
        occurred_at=_when(event.get("occurred_at"), data.get("created_at")),
        first_seen=_parsed(data.get("created_at")),  # the incident opened at the first alert
        links=links,
        raw=payload,
    )


class PagerDutyClient:
    """The PagerDuty REST API v2 reads alertfix needs (`Authorization: Token token=...`)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0,
                 transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self._api = MonitorAPI(
            "PagerDuty", base_url,
            {"Authorization": f"Token token={token}",
             "Accept": "application/vnd.pagerduty+json;version=2"},
            timeout_s=timeout_s, retry=retry, transport=transport)

    def close(self) -> None:
        self._api.close()

    def incident_alerts(self, incident_id: str, max_pages: int = 4) -> list[dict[str, Any]]:
        """`GET /incidents/{id}/alerts`, following `more` for a few pages."""
        if not incident_id.isalnum():
            raise MonitorRefused(f"not a PagerDuty incident id: {incident_id[:40]!r}")
        return [alert for page in self._api.offset_pages(
            f"/incidents/{incident_id}/alerts", "alerts", {}, max_pages, limit=25)
            for alert in page]

    def with_alerts(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The webhook body with its incident's alerts joined in, ready for parse_alert."""
        return {**payload, "alerts": self.incident_alerts(incident_event(payload).incident_id)}
