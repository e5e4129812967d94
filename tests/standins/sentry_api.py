"""A stand-in for the Sentry REST API reads alertfix makes (`/api/0/`, bearer token).

    with sentry_api_standin() as server:
        server.add_issue("123", event)      # an SDK-shaped event; served in the API's shape
        SentryClient(server.origin, server.token).latest_event("123")
        SentryClient(server.origin, server.token).issue("123")["firstSeen"]

The API answers events in camelCase with the exception among `entries`, unlike SDK events
and webhooks: `api_event()` converts, so the client's handling of that shape is tested.

For verification it also keeps an issue's event history (`add_events`), served newest first
by `GET …/issues/{id}/events/?start=&end=` in pages of `page_size` with Sentry's cursor
`Link` header; releases with their deploys (`add_release`); and `PUT /issues/{id}/` status
changes (`resolutions`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

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
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.releases: dict[str, list[dict[str, Any]]] = {}  # version -> its deploys
        self.resolutions: list[tuple[str, dict[str, Any]]] = []
        self.page_size = 100
        self.route("GET", r"/api/0/issues/(?P<issue>\d+)/events/latest/", self._latest)
        self.route("GET", r"/api/0/issues/(?P<issue>\d+)/", self._issue)
        self.route("PUT", r"/api/0/issues/(?P<issue>\d+)/", self._update)
        for prefix in (r"/api/0/issues", r"/api/0/organizations/(?P<org>[\w-]+)/issues"):
            self.route("GET", prefix + r"/(?P<issue>\d+)/events/", self._events)
        releases = r"/api/0/organizations/(?P<org>[\w-]+)/releases/(?P<version>[^/]+)/"
        self.route("GET", releases, self._release)
        self.route("GET", releases + "deploys/", self._deploys)

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

    def add_events(self, issue_id: str, times: list[datetime],
                   environment: str = "production") -> None:
        """Events of the issue at these times (the issue must exist: `add_issue`)."""
        with self.lock:
            events = self.history.setdefault(issue_id, [])
            for when in times:
                n = len(events)
                events.append({
                    "id": str(n), "eventID": f"{issue_id:0>8}{n:0>24}", "groupID": issue_id,
                    "dateCreated": when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                    "title": self.details[issue_id]["title"], "message": "",
                    "tags": [{"key": "environment", "value": environment}],
                    "platform": "python"})

    def add_release(self, version: str, deploys: list[dict[str, Any]]) -> None:
        """A release; each deploy is `{"environment": …, "dateFinished": iso}`."""
        with self.lock:
            self.releases[version] = [{"id": str(n), "name": None, "url": None,
                                       "dateStarted": d.get("dateFinished"), **d}
                                      for n, d in enumerate(deploys)]

    def _authed(self, req: Request) -> Response | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return json_response(401, {"detail": "Invalid token"})
        return None

    def _events(self, req: Request) -> Response:
        if denied := self._authed(req):
            return denied
        issue = req.params["issue"]
        if issue not in self.details:
            return json_response(404, {"detail": "The requested resource does not exist"})

        def stamp(value: str | None) -> datetime | None:
            if not value:
                return None
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

        start, end = stamp(req.arg("start")), stamp(req.arg("end"))
        environment = req.arg("environment")
        def wanted(event: dict[str, Any]) -> bool:
            when = stamp(event["dateCreated"])
            assert when is not None
            tag = {"key": "environment", "value": environment}
            return ((start is None or when >= start) and (end is None or when <= end)
                    and (environment is None or tag in event["tags"]))

        with self.lock:
            events = [e for e in self.history.get(issue, []) if wanted(e)]
        events.sort(key=lambda e: e["dateCreated"], reverse=True)
        offset = int((req.arg("cursor") or "0:0:0").split(":")[1])
        page = events[offset: offset + self.page_size]
        more = offset + self.page_size < len(events)
        query = {k: v[0] for k, v in req.query.items() if k != "cursor"}
        base = f"{self.origin}{req.path}?{urlencode(query)}"
        link = (f'<{base}&cursor=0:{max(offset - self.page_size, 0)}:1>; rel="previous"; '
                f'results="{str(offset > 0).lower()}"; cursor="0:{offset}:1", '
                f'<{base}&cursor=0:{offset + self.page_size}:0>; rel="next"; '
                f'results="{str(more).lower()}"; cursor="0:{offset + self.page_size}:0"')
        return json_response(200, page, {"Link": link})

    def _release(self, req: Request) -> Response:
        if denied := self._authed(req):
            return denied
        version = req.params["version"]
        if version not in self.releases:
            return json_response(404, {"detail": "The requested resource does not exist"})
        return json_response(200, {"version": version, "shortVersion": version[:12],
                                   "dateCreated": "2026-01-01T00:00:00Z",
                                   "deployCount": len(self.releases[version])})

    def _deploys(self, req: Request) -> Response:
        if denied := self._authed(req):
            return denied
        version = req.params["version"]
        if version not in self.releases:
            return json_response(404, {"detail": "The requested resource does not exist"})
        return json_response(200, self.releases[version])

    def _update(self, req: Request) -> Response:
        if denied := self._authed(req):
            return denied
        issue = req.params["issue"]
        with self.lock:
            if issue not in self.details:
                return json_response(404, {"detail": "The requested resource does not exist"})
            change = req.json()
            if change.get("status") not in ("resolved", "unresolved", "ignored"):
                return json_response(400, {"status": ["not a valid choice"]})
            self.details[issue]["status"] = change["status"]
            self.resolutions.append((issue, change))
            return json_response(200, {**change, "statusDetails":
                                       change.get("statusDetails") or {}})

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
