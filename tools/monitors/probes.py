"""Checks without a rate: a service's health-check URLs, and the CI check that raised a CI
alert, read on the default branch after the fix landed.

- Health: `GET <url>` for each configured URL; 2xx passes, anything else (after a retry) is
  the check failing. Redirects are not followed: a login page is not a healthy service.
- CI (`GitHubChecks`, an EventSource for `ci` alerts):
  `GET /repos/{repo}/commits/{default branch}/check-runs?check_name=<name>&filter=latest`
  with the App's installation token; a failed run after the deploy is a sighting, a
  successful one is a check that found the fault absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import httpx

from tools.monitors.github_events import FAILED_CONCLUSIONS
from tools.monitors.http import MonitorAPI, parse_time
from tools.monitors.local import EventStore
from tools.monitors.sentry import as_dict
from tools.ports import Alert, Deploy, Occurrences


@dataclass(frozen=True)
class HealthResult:
    url: str
    ok: bool
    detail: str  # "200", "503", "ConnectError"


def health_check(url: str, timeout_s: float = 10.0, attempts: int = 2) -> HealthResult:
    detail = ""
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as http:
        for attempt in range(attempts):
            try:
                status = http.get(url).status_code
            except httpx.HTTPError as exc:
                detail = type(exc).__name__
            else:
                if 200 <= status < 300:
                    return HealthResult(url, True, str(status))
                detail = str(status)
            if attempt + 1 < attempts:
                time.sleep(0.5)
    return HealthResult(url, False, detail)


def check_name(alert: Alert) -> str:
    run = as_dict(as_dict(alert.raw).get("check_run"))
    return str(run.get("name") or "")


class GitHubChecks:
    """The default branch's check runs as the EventSource for alerts raised by CI."""

    name = "github checks"

    def __init__(self, api_url: str, repository: str, default_branch: str,
                 token: Callable[[], str], local: EventStore) -> None:
        self.api_url, self.repository, self.default_branch = api_url, repository, default_branch
        self.token, self.local = token, local

    def count_events(self, fingerprint: str, since: datetime) -> int:
        return self.local.count_events(fingerprint, since)

    def occurrences(self, alert: Alert, start: datetime, end: datetime,
                    deploy: Deploy | None = None) -> Occurrences:
        name = check_name(alert)
        if not name:
            return self.local.occurrences(alert, start, end, deploy)
        api = MonitorAPI("GitHub", self.api_url, {
            "Authorization": f"Bearer {self.token()}", "Accept": "application/vnd.github+json"})
        try:
            body = api.json("GET", f"repos/{self.repository}/commits/"
                                   f"{quote(self.default_branch, safe='')}/check-runs",
                            params={"check_name": name, "filter": "latest"})
        finally:
            api.close()
        failed: list[datetime] = []
        links: list[str] = []
        passed = 0
        for run in as_dict(body).get("check_runs") or []:
            when = parse_time(as_dict(run).get("completed_at"))
            if run.get("name") != name or when is None or not start <= when < end:
                continue  # still running, or a run of the code before the deploy
            if run.get("conclusion") in FAILED_CONCLUSIONS:
                failed.append(when)
                links.append(str(run.get("html_url") or ""))
            elif run.get("conclusion") == "success":
                passed += 1
        return Occurrences(monitor=self.name, start=start, end=end, times=failed,
                           count=len(failed), checks=passed, links=[x for x in links if x],
                           note=f"check {name!r} on {self.default_branch}")

    def resolve(self, alert: Alert, deploy: Deploy, note: str) -> str:
        return ""  # a check run has no state to resolve: the next green run is the record
