"""PagerDuty as the EventSource verify asks: new alerts on the incident, and new incidents
with its dedup key (what a re-trigger after resolution becomes), in a span.

API calls (REST v2, `Authorization: Token token=<token>`, `Accept: …version=2`):
- `GET /incidents/{id}/alerts` — the incident's alerts with `created_at` (offset paging);
- `GET /incidents?incident_key=<dedup key>&since=&until=&statuses[]=…` — incidents opened
  with the same dedup key in the span (offset paging);
- on a pass, with a `From` address configured: `GET /incidents/{id}`,
  `GET /incidents/{id}/notes`, `POST /incidents/{id}/notes` (a note linking the PR) and
  `PUT /incidents/{id}` `{"incident": {"type": "incident_reference", "status": "resolved"}}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tools.monitors.http import MonitorAPI, MonitorRefused, parse_time
from tools.monitors.local import EventStore
from tools.monitors.sentry import as_dict
from tools.ports import Alert, Deploy, Occurrences

_STATUSES = ("triggered", "acknowledged", "resolved")


@dataclass(frozen=True)
class IncidentRef:
    id: str
    dedup_key: str
    url: str


def incident_ref(alert: Alert) -> IncidentRef | None:
    data = as_dict(as_dict(as_dict(alert.raw).get("event")).get("data"))
    incident = str(data.get("id") or "")
    if not incident.isalnum():
        return None
    return IncidentRef(incident, str(data.get("incident_key") or ""),
                       str(data.get("html_url") or ""))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


class PagerDutyEvents:
    name = "pagerduty"

    def __init__(self, api: MonitorAPI, local: EventStore, from_email: str | None = None,
                 max_pages: int = 5) -> None:
        self.api, self.local, self.from_email, self.max_pages = api, local, from_email, max_pages

    def count_events(self, fingerprint: str, since: datetime) -> int:
        return self.local.count_events(fingerprint, since)

    def occurrences(self, alert: Alert, start: datetime, end: datetime,
                    deploy: Deploy | None = None) -> Occurrences:
        ref = incident_ref(alert)
        if ref is None:
            return self.local.occurrences(alert, start, end, deploy)
        seen: dict[str, tuple[datetime, str]] = {}  # one sighting per alert or incident

        def add(key: str, value: Any, link: str) -> None:
            when = parse_time(value)
            if when is not None and start <= when < end:
                seen.setdefault(key, (when, link))

        for page in self.api.offset_pages(f"incidents/{ref.id}/alerts", "alerts", {},
                                          self.max_pages):
            for item in page:
                add(f"alert {item.get('id')}", item.get("created_at"),
                    str(item.get("html_url") or ref.url))
        if ref.dedup_key:
            params = {"incident_key": ref.dedup_key, "since": _iso(start), "until": _iso(end),
                      "statuses[]": list(_STATUSES)}
            for page in self.api.offset_pages("incidents", "incidents", params, self.max_pages):
                for item in page:
                    if str(item.get("id")) != ref.id:  # the incident itself is its first alert
                        add(f"incident {item.get('id')}", item.get("created_at"),
                            str(item.get("html_url") or ""))
        found = sorted(seen.values(), reverse=True)
        return Occurrences(
            monitor=self.name, start=start, end=end, times=[t for t, _ in found],
            count=len(found), links=[link for _, link in found if link][:20],
            note=f"PagerDuty incident {ref.id}"
                 + (f", dedup key {ref.dedup_key}" if ref.dedup_key else ""))

    def resolve(self, alert: Alert, deploy: Deploy, note: str) -> str:
        ref = incident_ref(alert)
        if ref is None:
            return ""
        if not self.from_email:
            raise MonitorRefused("resolving a PagerDuty incident needs a From address "
                                 "(ALERTFIX_PAGERDUTY_FROM_EMAIL)")
        headers = {"From": self.from_email}
        incident = as_dict(as_dict(self.api.json("GET", f"incidents/{ref.id}")).get("incident"))
        notes = as_dict(self.api.json("GET", f"incidents/{ref.id}/notes")).get("notes") or []
        if not any(as_dict(n).get("content") == note for n in notes):  # a re-run adds none
            self.api.json("POST", f"incidents/{ref.id}/notes", headers=headers,
                          json={"note": {"content": note}})
        if incident.get("status") != "resolved":
            self.api.json("PUT", f"incidents/{ref.id}", headers=headers, json={
                "incident": {"type": "incident_reference", "status": "resolved"}})
        return f"PagerDuty incident {ref.id} resolved with a note linking the fix"
