"""A stand-in for the Sentry REST API reads alertfix makes (`/api/0/`, bearer token).

    with sentry_api_standin() as server:
        server.add_issue("123", event)      # an SDK-shaped event; served in the API's shape
        SentryClient(server.origin, server.token).latest_event("123")
        SentryClient(server.origin, server.token).issue("123")["firstSeen"]

The API answers events in camelCase with the exception among `entries`, unlike SDK events
and webhooks: `api_event()` converts, so the client's handling of that shape is tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from tests.standins._http import Request, Response, StandInServer, json_response

_CAMEL = {"abs_path": "absPath", "lineno": "lineNo", "in_app": "inApp", "colno": "colNo"}


def _api_frame(frame: dict[str, Any]) -> dict[str, Any]:
    out = {_CAMEL.get(k, k): v for k, v in frame.items()
           if k not in ("context_line", "pre_context", "post_context")}
    if frame.get("context_line") is not None and frame.get("lineno"):
        out["context"] = [[frame["lineno"], frame["context_line"]]]
    return out


def api_event(event: dict[str, Any]) -> dict[str, Any]:
    """An SDK event as `GET /issues/{id}/events/latest/` returns it."""
    values = []
    for value in (event.get("exception") or {}).get("values") or []:
        frames = [_api_frame(f) for f in (value.get("stacktrace") or {}).get("frames") or []]
        values.append({**value, "stacktrace": {"frames": frames}})
    tags = event.get("tags") or {}
    pairs = tags.items() if isinstance(tags, dict) else tags
    return {
        "id": event.get("event_id", ""), "eventID": event.get("event_id", ""),
        "title": event.get("title") or "", "platform": event.get("platform", "python"),
        "dateCreated": event.get("timestamp"), "environment": event.get("environment"),
        "release": {"version": event["release"]} if event.get("release") else None,
        "tags": [{"key": k, "value": v} for k, v in pairs],
        "entries": [{"type": "exception", "data": {"values": values}}],
    }


class SentryAPIStandIn(StandInServer):
    def __init__(self, token: str = "sentry-api-token") -> None:
        super().__init__()
        self.token = token
        self.issues: dict[str, dict[str, Any]] = {}
        self.details: dict[str, dict[str, Any]] = {}
        self.route("GET", r"/api/0/issues/(?P<issue>\d+)/events/latest/", self._latest)
        self.route("GET", r"/api/0/issues/(?P<issue>\d+)/", self._issue)

    def add_issue(self, issue_id: str, event: dict[str, Any],
                  first_seen: str | None = None) -> None:
        """An issue whose latest event is `event`; `GET /issues/{id}/` answers it with
        `firstSeen` (the event's time unless given) and `lastSeen`."""
        with self.lock:
            self.issues[issue_id] = api_event(event)
            stamp = event.get("timestamp")
            if isinstance(stamp, int | float):  # SDK events may carry epoch seconds
                stamp = datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")
            seen = first_seen or str(stamp or "")
            self.details[issue_id] = {
                "id": issue_id, "shortId": f"SHOP-{issue_id}", "title": event.get("title", ""),
                "culprit": event.get("culprit", ""), "status": "unresolved", "level": "error",
                "count": "1", "userCount": 0, "firstSeen": seen,
                "lastSeen": str(stamp or seen),
                "permalink": f"https://sentry.example/issues/{issue_id}/"}

    def _latest(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return json_response(401, {"detail": "Invalid token"})
        with self.lock:
            event = self.issues.get(req.params["issue"])
        if event is None:
            return json_response(404, {"detail": "The requested resource does not exist"})
        return json_response(200, event)


    def _issue(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return json_response(401, {"detail": "Invalid token"})
        with self.lock:
            issue = self.details.get(req.params["issue"])
        if issue is None:
            return json_response(404, {"detail": "The requested resource does not exist"})
        return json_response(200, issue)


@contextmanager
def sentry_api_standin(token: str = "sentry-api-token") -> Iterator[SentryAPIStandIn]:
    server = SentryAPIStandIn(token)
    with server.running():
        yield server
