"""Sentry as the EventSource verify asks: the fault's Sentry issue, its events in a span,
the release that shipped the fix, and resolving the issue in that release.

API calls (base `/api/0/`, `Authorization: Bearer <token>`):
- `GET issues/{id}/` — the issue's permalink, for links to its events;
- `GET organizations/{org}/issues/{id}/events/?start=&end=&environment=&full=false` (or
  `issues/{id}/events/` without an organization) — the events in a span, newest first, paged
  by `Link: …; rel="next"; results="true"; cursor=…`;
- `GET organizations/{org}/releases/{version}/` and `…/releases/{version}/deploys/` — the
  release that carries the deploy's commit, and when Sentry saw it deployed;
- `PUT issues/{id}/` `{"status": "resolved", "statusDetails": {"inRelease": version}}`.

An alert that names no Sentry issue (an event sent to alertfix's own ingest) is answered from
the embedded store, which received it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tools.monitors.http import MonitorAPI, MonitorNotFound, parse_time
from tools.monitors.local import EventStore
from tools.monitors.sentry import as_dict, event_issue_id, issue_id
from tools.ports import Alert, Deploy, Occurrences

_ISSUE_URL = re.compile(r"/issues/(\d+)/?")
MAX_LINKS = 20


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def sentry_issue(alert: Alert) -> str | None:
    """The Sentry issue the alert belongs to: from the webhook body, or its issue link."""
    found = event_issue_id(alert.raw) or issue_id(alert.raw)
    if found is None:
        for link in alert.links.values():
            if match := _ISSUE_URL.search(link):
                found = match.group(1)
                break
    return found if found and found.isdigit() else None


class SentryEvents:
    name = "sentry"

    def __init__(self, api: MonitorAPI, org: str | None, local: EventStore,
                 max_pages: int = 10) -> None:
        self.api, self.local, self.max_pages = api, local, max_pages
        self.org = quote(org, safe="") if org else None
        self._permalinks: dict[str, str] = {}

    def count_events(self, fingerprint: str, since: datetime) -> int:
        return self.local.count_events(fingerprint, since)

    def release(self, deploy: Deploy) -> tuple[str, datetime | None] | None:
        """The Sentry release that carries the deploy (its version is the deploy's name or
        commit), and when Sentry recorded it finished deploying to that environment; None
        without an organization to look in."""
        if self.org is None:
            return None
        for version in dict.fromkeys((deploy.name, deploy.sha, deploy.sha[:12], deploy.sha[:7])):
            path = f"organizations/{self.org}/releases/{quote(version, safe='')}/"
            try:
                self.api.json("GET", path)
            except MonitorNotFound:
                continue
            deploys = self.api.json("GET", path + "deploys/")
            finished = [t for d in deploys or [] if isinstance(d, dict)
                        and d.get("environment") == deploy.environment
                        and (t := parse_time(d.get("dateFinished"))) is not None]
            return version, (max(finished) if finished else None)
        return None

    def _permalink(self, issue: str) -> str:
        if issue not in self._permalinks:
            found = as_dict(self.api.json("GET", f"issues/{issue}/"))
            self._permalinks[issue] = str(found.get("permalink") or "")
        return self._permalinks[issue]

    def occurrences(self, alert: Alert, start: datetime, end: datetime,
                    deploy: Deploy | None = None) -> Occurrences:
        issue = sentry_issue(alert)
        if issue is None:
            return self.local.occurrences(alert, start, end, deploy)
        note = f"Sentry issue {issue}"
        if deploy is not None and (shipped := self.release(deploy)) is not None:
            version, finished = shipped
            note += f", release {version}"
            # Events between the forge's deploy and Sentry's record of it are the old code.
            if finished is not None and start >= deploy.deployed_at:
                start = min(max(start, finished), end)
        params = {"start": _iso(start), "end": _iso(end), "full": "false"}
        if alert.environment:
            params["environment"] = alert.environment
        times: list[datetime] = []
        links: list[str] = []
        complete = True
        path = (f"organizations/{self.org}/issues/{issue}/events/" if self.org
                else f"issues/{issue}/events/")
        for page, more in self.api.link_pages(path, params, self.max_pages):
            for event in page:
                when = parse_time(as_dict(event).get("dateCreated"))
                if when is None or not start <= when < end:
                    continue
                times.append(when)
                if len(links) < MAX_LINKS and event.get("eventID"):
                    links.append(f"{self._permalink(issue)}events/{event['eventID']}/")
            complete = not more
        return Occurrences(monitor=self.name, start=start, end=end, times=times,
                           count=len(times), complete=complete, links=links, note=note)

    def resolve(self, alert: Alert, deploy: Deploy, note: str) -> str:
        issue = sentry_issue(alert)
        if issue is None:
            return ""
        shipped = self.release(deploy)
        body: dict[str, Any] = {"status": "resolved"}
        if shipped is not None:
            body["statusDetails"] = {"inRelease": shipped[0]}
        self.api.json("PUT", f"issues/{issue}/", json=body)
        where = f" in release {shipped[0]}" if shipped else ""
        return f"Sentry issue {issue} marked resolved{where}"
