"""A stand-in for PagerDuty's REST API v2 read alertfix makes: `GET /incidents/{id}/alerts`.

    with pagerduty_api_standin() as server:
        server.add_alerts("PT4KHLK", [{"details": {"traceback": "..."}}])
        PagerDutyClient(server.origin, server.token).incident_alerts("PT4KHLK")

Answers with `Authorization: Token token=<token>` only, pages with limit/offset/more. For
verification it also keeps incidents (`add_incident`: `GET /incidents` filtered by
`incident_key`, `since`, `until` and `statuses[]`; `GET`/`PUT /incidents/{id}`) and their notes
(`GET`/`POST /incidents/{id}/notes`); writes need a `From` header, as PagerDuty's do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from tests.standins._http import Request, Response, StandInServer, json_response


class PagerDutyAPIStandIn(StandInServer):
    def __init__(self, token: str = "pd-api-token") -> None:
        super().__init__()
        self.token = token
        self.alerts: dict[str, list[dict[str, Any]]] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.route("GET", r"/incidents/(?P<incident>[A-Z0-9]+)/alerts", self._alerts)
        self.route("GET", r"/incidents", self._list_incidents)
        self.route("GET", r"/incidents/(?P<incident>[A-Z0-9]+)", self._get_incident)
        self.route("PUT", r"/incidents/(?P<incident>[A-Z0-9]+)", self._put_incident)
        self.route("GET", r"/incidents/(?P<incident>[A-Z0-9]+)/notes", self._list_notes)
        self.route("POST", r"/incidents/(?P<incident>[A-Z0-9]+)/notes", self._add_note)

    def add_alerts(self, incident_id: str, bodies: list[dict[str, Any]]) -> None:
        """One alert per `body` (the Events API v2 body: `{"details": {...}}`)."""
        with self.lock:
            self.alerts[incident_id] = [
                {"id": f"A{incident_id}{n}", "type": "alert", "status": "triggered",
                 "summary": "alert", "body": {"type": "alert_body", "contexts": [], **body},
                 "incident": {"id": incident_id, "type": "incident_reference"}}
                for n, body in enumerate(bodies)]

    def add_incident(self, incident_id: str, incident_key: str, created_at: datetime,
                     status: str = "triggered") -> None:
        with self.lock:
            self.incidents[incident_id] = {
                "id": incident_id, "type": "incident", "incident_key": incident_key,
                "status": status, "title": "alert", "urgency": "high",
                "created_at": _iso(created_at),
                "html_url": f"https://acme.pagerduty.example/incidents/{incident_id}"}
            self.alerts.setdefault(incident_id, [])

    def add_alert_at(self, incident_id: str, created_at: datetime) -> None:
        """One more alert grouped into the incident (an event with its dedup key)."""
        with self.lock:
            alerts = self.alerts.setdefault(incident_id, [])
            alerts.append({
                "id": f"A{incident_id}{len(alerts)}", "type": "alert", "status": "triggered",
                "created_at": _iso(created_at), "summary": "alert",
                "html_url": f"https://acme.pagerduty.example/alerts/A{incident_id}{len(alerts)}",
                "body": {"type": "alert_body", "details": {}},
                "incident": {"id": incident_id, "type": "incident_reference"}})

    def _refused(self, req: Request, write: bool = False) -> Response | None:
        if req.headers.get("authorization") != f"Token token={self.token}":
            return json_response(401, {"error": {"message": "Unauthorized", "code": 2006}})
        if "version=2" not in req.headers.get("accept", ""):
            return json_response(406, {"error": {"message": "Accept version=2"}})
        if write and "@" not in req.headers.get("from", ""):
            return json_response(400, {"error": {"message": "Invalid Input Provided",
                                                 "code": 2001, "errors": ["From header"]}})
        return None

    def _page(self, req: Request, key: str, items: list[dict[str, Any]]) -> Response:
        limit, offset = int(req.arg("limit", "25") or 25), int(req.arg("offset", "0") or 0)
        return json_response(200, {key: items[offset: offset + limit], "limit": limit,
                                   "offset": offset, "more": offset + limit < len(items),
                                   "total": None})

    def _list_incidents(self, req: Request) -> Response:
        if refused := self._refused(req):
            return refused
        key, statuses = req.arg("incident_key"), req.query.get("statuses[]")
        since, until = _when(req.arg("since")), _when(req.arg("until"))
        with self.lock:
            found = [i for i in self.incidents.values()
                     if (key is None or i["incident_key"] == key)
                     and (not statuses or i["status"] in statuses)
                     and (since is None or _when(i["created_at"]) >= since)  # type: ignore
                     and (until is None or _when(i["created_at"]) < until)]  # type: ignore
        return self._page(req, "incidents", sorted(found, key=lambda i: i["created_at"]))

    def _get_incident(self, req: Request) -> Response:
        if refused := self._refused(req):
            return refused
        incident = self.incidents.get(req.params["incident"])
        if incident is None:
            return json_response(404, {"error": {"message": "Not Found", "code": 2100}})
        return json_response(200, {"incident": incident})

    def _put_incident(self, req: Request) -> Response:
        if refused := self._refused(req, write=True):
            return refused
        with self.lock:
            incident = self.incidents.get(req.params["incident"])
            if incident is None:
                return json_response(404, {"error": {"message": "Not Found", "code": 2100}})
            change = (req.json() or {}).get("incident") or {}
            if change.get("type") != "incident_reference":
                return json_response(400, {"error": {"message": "Invalid Input Provided"}})
            incident["status"] = change.get("status", incident["status"])
        return json_response(200, {"incident": incident})

    def _list_notes(self, req: Request) -> Response:
        if refused := self._refused(req):
            return refused
        return json_response(200, {"notes": self.notes.get(req.params["incident"], [])})

    def _add_note(self, req: Request) -> Response:
        if refused := self._refused(req, write=True):
            return refused
        with self.lock:
            notes = self.notes.setdefault(req.params["incident"], [])
            note = {"id": f"N{len(notes)}", "content": req.json()["note"]["content"],
                    "created_at": _iso(datetime.now(UTC))}
            notes.append(note)
        return json_response(201, {"note": note})

    def _alerts(self, req: Request) -> Response:
        if refused := self._refused(req):
            return refused
        with self.lock:
            alerts = self.alerts.get(req.params["incident"])
        if alerts is None:
            return json_response(404, {"error": {"message": "Not Found", "code": 2100}})
        limit, offset = int(req.arg("limit", "25") or 25), int(req.arg("offset", "0") or 0)
        page = alerts[offset: offset + limit]
        return json_response(200, {"alerts": page, "limit": limit, "offset": offset,
                                   "more": offset + limit < len(alerts), "total": None})


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@contextmanager
def pagerduty_api_standin(token: str = "pd-api-token") -> Iterator[PagerDutyAPIStandIn]:
    server = PagerDutyAPIStandIn(token)
    with server.running():
        yield server
