"""A stand-in for PagerDuty's REST API v2 read alertfix makes: `GET /incidents/{id}/alerts`.

    with pagerduty_api_standin() as server:
        server.add_alerts("PT4KHLK", [{"details": {"traceback": "..."}}])
        PagerDutyClient(server.origin, server.token).incident_alerts("PT4KHLK")

Answers with `Authorization: Token token=<token>` only, pages with limit/offset/more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.standins._http import Request, Response, StandInServer, json_response


class PagerDutyAPIStandIn(StandInServer):
    def __init__(self, token: str = "pd-api-token") -> None:
        super().__init__()
        self.token = token
        self.alerts: dict[str, list[dict[str, Any]]] = {}
        self.route("GET", r"/incidents/(?P<incident>[A-Z0-9]+)/alerts", self._alerts)

    def add_alerts(self, incident_id: str, bodies: list[dict[str, Any]]) -> None:
        """One alert per `body` (the Events API v2 body: `{"details": {...}}`)."""
        with self.lock:
            self.alerts[incident_id] = [
                {"id": f"A{incident_id}{n}", "type": "alert", "status": "triggered",
                 "summary": "alert", "body": {"type": "alert_body", "contexts": [], **body},
                 "incident": {"id": incident_id, "type": "incident_reference"}}
                for n, body in enumerate(bodies)]

    def _alerts(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Token token={self.token}":
            return json_response(401, {"error": {"message": "Unauthorized", "code": 2006}})
        if "version=2" not in req.headers.get("accept", ""):
            return json_response(406, {"error": {"message": "Accept version=2"}})
        with self.lock:
            alerts = self.alerts.get(req.params["incident"])
        if alerts is None:
            return json_response(404, {"error": {"message": "Not Found", "code": 2100}})
        limit, offset = int(req.arg("limit", "25") or 25), int(req.arg("offset", "0") or 0)
        page = alerts[offset: offset + limit]
        return json_response(200, {"alerts": page, "limit": limit, "offset": offset,
                                   "more": offset + limit < len(alerts), "total": None})


@contextmanager
def pagerduty_api_standin(token: str = "pd-api-token") -> Iterator[PagerDutyAPIStandIn]:
    server = PagerDutyAPIStandIn(token)
    with server.running():
        yield server
