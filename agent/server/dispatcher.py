"""What happens after the acknowledgement: jobs, and the Dispatcher that runs them.

Handlers only verify, parse and enqueue (agent/server/workers.py); the worker hands each job
to the Dispatcher, which turns it into runtime calls:
a new fault starts an incident, a known one raises its count (its ticket is told at most once
per `occurrence_comment_interval_s`), a closed one that fires again starts a regression run,
and GitHub events resume the review and deploy waits. A failing job is logged and dropped;
the worker never dies.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.context import github_app, github_app_configured
from agent.nodes.base import plain, text
from agent.runtime import AlertfixRuntime, Report, UnknownIncident
from agent.server.faults import FaultRegistry
from agent.server.repos import RepositoryMap
from agent.settings import Settings
from tools.monitors import parse_alert
from tools.monitors.github_events import (
    WRITE_ASSOCIATIONS,
    CIFailure,
    CollaboratorPermissions,
    CommentCommand,
    DeploymentStatus,
    GitHubEvent,
    PullRequestClosed,
)
from tools.monitors.pagerduty import IncidentEvent, PagerDutyClient
from tools.monitors.sentry import SentryClient
from tools.ports import Alert, ServiceError

log = logging.getLogger("alertfix.server")

# (repository, login, author_association) → may this user command alertfix?
WriteCheck = Callable[[str, str, str], bool]


def association_can_write(repository: str, login: str, association: str) -> bool:
    """Without API access (no GitHub App): owners, organisation members and collaborators."""
    return association in WRITE_ASSOCIATIONS


@dataclass(frozen=True)
class AlertJob:
    source: str  # sentry | pagerduty | ci
    payload: dict[str, Any]
    names: tuple[str, ...] = ()  # what the delivery calls the service, for the mapping


@dataclass(frozen=True)
class SentryIssueJob:
    payload: dict[str, Any]
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PagerDutyJob:
    payload: dict[str, Any]
    event: IncidentEvent


@dataclass(frozen=True)
class GitHubJob:
    event: GitHubEvent


Job = AlertJob | SentryIssueJob | PagerDutyJob | GitHubJob


class Stats:
    """What the worker (a thread or a process) has done, readable from the server.

    Only the worker writes, so there is no lock: a lock shared with a low-priority worker
    process would let it stall the acknowledging side whenever it is preempted holding it.
    """

    FIELDS = ("duplicates", "processed", "failed", "started", "attached")

    def __init__(self) -> None:
        self._values = mp.get_context("spawn").RawArray("q", len(self.FIELDS))

    def add(self, name: str, n: int = 1) -> None:
        self._values[self.FIELDS.index(name)] += n

    def get(self, name: str) -> int:
        return int(self._values[self.FIELDS.index(name)])

    def as_dict(self) -> dict[str, int]:
        return {name: self.get(name) for name in self.FIELDS}

    @property
    def done(self) -> int:
        """Jobs finished one way or another."""
        return self.get("duplicates") + self.get("processed") + self.get("failed")


class Dispatcher:
    """Turns jobs into runtime calls. Single-threaded by design: one worker runs it."""

    def __init__(self, settings: Settings, runtime: AlertfixRuntime, faults: FaultRegistry,
                 repos: RepositoryMap, stats: Stats | None = None, *,
                 sentry: SentryClient | None = None, pagerduty: PagerDutyClient | None = None,
                 can_write: WriteCheck = association_can_write) -> None:
        self.settings = settings
        self.runtime = runtime
        self.faults = faults
        self.repos = repos
        self.stats = stats or Stats()
        self.sentry = sentry
        self.pagerduty = pagerduty
        self.can_write = can_write

    @classmethod
    def from_settings(cls, settings: Settings, stats: Stats | None = None,
                      runtime: AlertfixRuntime | None = None,
                      can_write: WriteCheck | None = None) -> Dispatcher:
        """`can_write` defaults to asking GitHub when the App is configured."""
        runtime = runtime or AlertfixRuntime(settings)
        if can_write is None:
            can_write = association_can_write
            if github_app_configured(settings):
                can_write = CollaboratorPermissions(settings.github_api_url,
                                                    github_app(settings).token)
        sentry = (SentryClient(settings.sentry_api_url,
                               settings.sentry_api_token.get_secret_value())
                  if settings.sentry_api_token else None)
        pagerduty = (PagerDutyClient(settings.pagerduty_api_url,
                                     settings.pagerduty_api_token.get_secret_value())
                     if settings.pagerduty_api_token else None)
        return cls(settings, runtime, FaultRegistry(settings.home / "server.db"),
                   RepositoryMap(settings, runtime), stats, sentry=sentry,
                   pagerduty=pagerduty, can_write=can_write)

    def process(self, delivery: str, job: Job) -> None:
        """Work on one accepted delivery, once: a retry seen before (even before a restart)
        is skipped. Never raises: a failing job is logged and counted."""
        try:
            if not self.faults.first_delivery(delivery, delivery.split(":", 1)[0]):
                self.stats.add("duplicates")
                return
            self.handle(job)
            self.stats.add("processed")
        except Exception as exc:  # one bad job must not stop the worker
            self.stats.add("failed")
            log.error("job %s failed: %s: %s", type(job).__name__, type(exc).__name__,
                      str(exc)[:200])

    def tick(self) -> None:
        """Resume the incidents whose verification window has passed (the server's timer
        for what `alertfix tick` does by hand). Never raises."""
        try:
            for report in self.runtime.tick():
                log.info("%s: verification window over → %s", report.incident_id,
                         report.status)
        except Exception as exc:
            log.error("tick failed: %s: %s", type(exc).__name__, str(exc)[:200])

    def handle(self, job: Job) -> None:
        if isinstance(job, AlertJob):
            payload = job.payload
            if job.source == "sentry" and self.sentry is not None:
                # The issue's first-seen is RCA's primary evidence; without the API the event
                # time stands in (RCA says so), so a failed read keeps the alert going.
                try:
                    payload = self.sentry.with_issue(payload)
                except ServiceError as exc:
                    log.warning("Sentry issue not read (%s): the event time stands in for "
                                "first-seen", str(exc)[:120])
            self.alert(job.source, payload, job.names)
        elif isinstance(job, SentryIssueJob):
            if self.sentry is None:
                log.error("a Sentry issue webhook needs ALERTFIX_SENTRY_API_TOKEN to fetch "
                          "its latest event; dropped")
                return
            self.alert("sentry", self.sentry.issue_alert(job.payload), job.names)
        elif isinstance(job, PagerDutyJob):
            self._pagerduty(job)
        else:
            self._github(job.event)

    # ------------------------------------------------------------ alerts

    def alert(self, source: str, payload: dict[str, Any], names: tuple[str, ...] = (),
              external_id: str | None = None) -> None:
        alert = parse_alert(source, payload)
        repo = self.repos.resolve([*names, alert.service])
        if repo is None:
            log.warning("no repository mapped for service %r (names %s): set "
                        "ALERTFIX_SERVICES; alert dropped", alert.service[:80],
                        [n[:80] for n in names])
            return
        fault = self.faults.occurred(alert.fingerprint)
        if external_id:
            self.faults.link(external_id, alert.fingerprint)
        if fault.incident_id is not None and not self._needs_run(fault.incident_id):
            self.stats.add("attached")
            if not fault.stopped:
                self._tell_ticket(alert, fault.incident_id, fault.uncommented, fault.count,
                                  fault.last_comment_at)
            return
        report = self.runtime.start(source, payload, repo)
        self.faults.assign(alert.fingerprint, report.incident_id)
        self.stats.add("started")
        log.info("%s: %s (%s)", report.incident_id, report.status, alert.fingerprint[:12])

    def _needs_run(self, incident_id: str) -> bool:
        """A new run for a fault whose incident was closed (a regression), or that stopped
        mid-stage (a crash: runtime.start carries on from its checkpoint)."""
        try:
            status, finished = self.runtime.registry_status(incident_id)
        except UnknownIncident:
            return True
        if finished:
            return status == "closed"
        return not status.startswith("waiting for")

    def _tell_ticket(self, alert: Alert, incident_id: str, uncommented: int, count: int,
                     last_comment_at: float) -> None:
        if time.time() - last_comment_at < self.settings.occurrence_comment_interval_s:
            return
        report = self.runtime.report(incident_id)
        if not (report.state and report.state.ticket):
            return
        tracker = self.runtime.context(report.state.repo).tracker
        tracker.comment(report.state.ticket.key, text(
            "occurrence.md.j2", alert=alert, incident_id=incident_id, recurrence=False)
            + "\n" + plain(f"{uncommented} occurrence(s) since the last "
                                            f"comment; {count} in all."))
        self.faults.commented(alert.fingerprint)

    def _pagerduty(self, job: PagerDutyJob) -> None:
        event = job.event
        external_id = f"pagerduty:{event.incident_id}"
        if event.event_type == "incident.resolved":
            fingerprint = self.faults.linked(external_id)
            if fingerprint:
                self.faults.resolved(fingerprint)
            log.info("PagerDuty incident %s resolved (fault %s)", event.incident_id[:40],
                     (fingerprint or "unknown")[:12])
            return
        payload = self.pagerduty.with_alerts(job.payload) if self.pagerduty else job.payload
        if self.pagerduty is None:
            log.warning("no ALERTFIX_PAGERDUTY_API_TOKEN: incident %s has no alert details",
                        event.incident_id[:40])
        self.alert("pagerduty", payload, (event.service_name, event.service_id), external_id)

    # ------------------------------------------------------------ GitHub

    def _find(self, test: Callable[[Report], bool], waiting_for: str | None = None) -> list[Report]:
        """Incidents passing `test`; only those the registry lists as waiting for
        `waiting_for` are read from their checkpoints when it is given."""
        if waiting_for is None:
            reports = self.runtime.incidents()
        else:
            rows = self.runtime.registry.all(status=f"waiting for {waiting_for}")
            reports = [self.runtime.report(row.incident_id) for row in rows]
        return [r for r in reports if r.state and test(r)]

    def _same_repository(self, report: Report, repository: str) -> bool:
        mapped = self.repos.resolve([repository]) if repository else None
        return mapped is None or report.state is None or report.state.repo.name == mapped.name

    def _github(self, event: GitHubEvent) -> None:
        if isinstance(event, CIFailure):
            self.alert("ci", event.payload, (event.repository,))
        elif isinstance(event, PullRequestClosed):
            self._pull_request_closed(event)
        elif isinstance(event, DeploymentStatus):
            self._deployed(event)
        else:
            self._command(event)

    def _pull_request_closed(self, event: PullRequestClosed) -> None:
        waiting = self._find(lambda r: r.waiting_for == "review" and r.state is not None
                             and r.state.pull_request is not None
                             and r.state.pull_request.branch == event.branch
                             and self._same_repository(r, event.repository), "review")
        for report in waiting:
            decision = "approved" if event.merged else "rejected"
            resumed = self.runtime.resume(report.incident_id,
                                          {"decision": decision, "by": event.by})
            log.info("%s: review %s by %s → %s", report.incident_id, decision,
                     event.by[:40], resumed.status)

    def _deployed(self, event: DeploymentStatus) -> None:
        if event.state != "success":
            return

        def exact(r: Report) -> bool:
            pr = r.state.pull_request if r.state else None
            return r.waiting_for == "deploy" and pr is not None and pr.merge_commit == event.sha

        waiting = self._find(exact, "deploy") or self._find(
            lambda r: r.waiting_for == "deploy" and self._same_repository(r, event.repository),
            "deploy")
        # The deploy wait asks the deploy history itself; a deploy that does not ship the
        # fix leaves it waiting again.
        for report in waiting:
            resumed = self.runtime.resume(report.incident_id,
                                          {"environment": event.environment})
            log.info("%s: deployment %s → %s", report.incident_id, event.sha[:10],
                     resumed.status)

    def _command(self, event: CommentCommand) -> None:
        if not self.can_write(event.repository, event.by, event.author_association):
            log.warning("/alertfix %s from %s ignored: no write permission on %s",
                        event.command, event.by[:40], event.repository[:80])
            return
        found = self._find(lambda r: r.state is not None and r.state.pull_request is not None
                           and r.state.pull_request.number == event.number
                           and self._same_repository(r, event.repository))
        if not found:
            return
        report = found[-1]
        assert report.state is not None
        forge = self.runtime.context(report.state.repo).forge
        if event.command == "explain":
            rc = report.state.root_cause
            body = (text("root_cause.md.j2", rc=rc) if rc and rc.location
                    else plain("alertfix has no root cause for this yet."))
            forge.comment(event.number, f"**{report.incident_id}**: {report.status}\n\n{body}")
        elif event.command == "stop":
            self.faults.stop(report.incident_id)
            forge.comment(event.number, plain(
                f"alertfix stopped working on {report.incident_id} at the request of "
                f"{event.by}: further alerts are counted, not acted on."))
        elif report.finished and report.state.outcome != "closed":
            state = report.state
            retried = self.runtime.start(state.source, state.raw_alert, state.repo)
            if state.alert:
                self.faults.assign(state.alert.fingerprint, retried.incident_id)
            forge.comment(event.number, plain(
                f"Retrying at the request of {event.by}: {retried.incident_id} is "
                f"{retried.status}."))
        else:
            forge.comment(event.number, plain(
                f"{report.incident_id} is {report.status}; nothing to retry."))
