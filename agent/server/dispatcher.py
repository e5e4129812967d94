"""What happens after the acknowledgement: a recorded delivery becomes service calls.

Handlers verify, parse and record the delivery in the store (durably) before answering 202;
a queue (in process, or Celery: agent/server/tasks.py) then hands its id to `run_delivery`.
An alert delivery opens or attaches to an incident and queues the incident's advance; GitHub
events resume the review and deploy waits. A delivery already worked on is a no-op, so the
queue may deliver twice; one the worker died on stays pending and is queued again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.context import github_app, github_app_configured
from agent.incidents.alerts import incoming
from agent.incidents.service import Busy, IncidentService, Report, UnknownIncident
from agent.incidents.store import StoreUnavailable, connection_errors
from agent.incidents.waits import RESUME, Deployed, Resume, ReviewDecision
from agent.nodes.base import plain, text
from agent.server.repos import RepositoryMap
from agent.settings import Settings
from tools.monitors import github_events, pagerduty
from tools.monitors.github_events import (
    WRITE_ASSOCIATIONS,
    CIFailure,
    CollaboratorPermissions,
    CommentCommand,
    DeploymentStatus,
    GitHubEvent,
    PullRequestClosed,
)
from tools.monitors.pagerduty import PagerDutyClient
from tools.monitors.sentry import SentryClient
from tools.ports import ServiceError

log = logging.getLogger("alertfix.server")

# (repository, login, author_association) → may this user command alertfix?
WriteCheck = Callable[[str, str, str], bool]


def association_can_write(repository: str, login: str, association: str) -> bool:
    """Without API access (no GitHub App): owners, organisation members and collaborators."""
    return association in WRITE_ASSOCIATIONS


class Job(BaseModel):
    """A verified delivery, as recorded in the store before it is acknowledged."""

    kind: Literal["alert", "sentry_issue", "pagerduty", "github"]
    payload: dict[str, Any]
    source: str = ""  # alert: sentry | pagerduty | ci
    names: list[str] = Field(default_factory=list)  # what it calls the service
    event: str = ""  # github: the X-GitHub-Event name


# Not now, later: the incident is leased elsewhere, or the database is restarting.
DEFERRED: tuple[type[BaseException], ...] = (Busy, StoreUnavailable,
                                              *connection_errors(sqlite=False))

# A queue: submit(kind, id, resume JSON) with kind "delivery" or "advance".
Submit = Callable[[str, str, str | None], None]


class Dispatcher:
    """Turns recorded deliveries into service calls; safe to run on many workers at once."""

    def __init__(self, settings: Settings, service: IncidentService, submit: Submit, *,
                 sentry: SentryClient | None = None, pagerduty: PagerDutyClient | None = None,
                 can_write: WriteCheck = association_can_write) -> None:
        self.settings = settings
        self.service = service
        self.store = service.store
        self.repos = RepositoryMap(settings, service)
        self.submit = submit
        self.sentry = sentry
        self.pagerduty = pagerduty
        self.can_write = can_write

    @classmethod
    def from_settings(cls, settings: Settings, submit: Submit,
                      service: IncidentService | None = None,
                      can_write: WriteCheck | None = None) -> Dispatcher:
        """`can_write` defaults to asking GitHub when the App is configured."""
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
        return cls(settings, service or IncidentService(settings), submit, sentry=sentry,
                   pagerduty=pagerduty, can_write=can_write)

    # ------------------------------------------------------------ tasks

    def run_delivery(self, delivery_id: str) -> bool:
        """Work on one recorded delivery, once. False: not now (the incident is leased, or
        the store is down): it stays pending and is queued again. Never raises."""
        try:
            row = self.store.delivery(delivery_id)
            if row is None or row.state != "pending":
                return True  # a redelivery of work already done
            self.handle(Job.model_validate_json(row.job))
            self.store.delivery_done(delivery_id)
        except DEFERRED as exc:
            log.info("delivery %s deferred: %s", delivery_id[:60], str(exc)[:120])
            return False
        except Exception as exc:  # one bad delivery must not stop the worker
            log.error("delivery %s failed: %s: %s", delivery_id[:60], type(exc).__name__,
                      str(exc)[:200])
            try:
                self.store.delivery_done(delivery_id, f"{type(exc).__name__}: {exc}"[:500])
            except StoreUnavailable:
                return False
        return True

    def run_advance(self, incident_id: str, resume: str | None = None) -> bool:
        """Advance an incident (a resume, or its next stages). False: leased elsewhere or the
        store is down; try later. A redelivery once the stage is done is a no-op."""
        try:
            if resume:
                report = self.service.resume(incident_id, RESUME.validate_json(resume))
            else:
                report = self.service.advance(incident_id)
            log.info("%s: %s", incident_id, report.status)
        except DEFERRED as exc:
            log.info("%s deferred: %s", incident_id, str(exc)[:120])
            return False
        except Exception as exc:
            log.error("%s stopped: %s: %s", incident_id, type(exc).__name__, str(exc)[:200])
        return True

    def tick(self, pending_older_than_s: float = 30.0) -> None:
        """Queue what the timers say is due, and deliveries acknowledged but never worked on
        (a server killed between its 202 and the queue, a broker that lost its messages)."""
        try:
            for incident_id, resume in self.service.due():
                self.submit("advance", incident_id,
                            resume.model_dump_json() if resume else None)
            for delivery_id in self.store.pending_deliveries(pending_older_than_s):
                self.submit("delivery", delivery_id, None)
        except Exception as exc:
            log.error("tick failed: %s: %s", type(exc).__name__, str(exc)[:200])

    # ------------------------------------------------------------ deliveries

    def handle(self, job: Job) -> None:
        if job.kind == "alert":
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
        elif job.kind == "sentry_issue":
            if self.sentry is None:
                raise RuntimeError("a Sentry issue webhook needs ALERTFIX_SENTRY_API_TOKEN to "
                                   "fetch its latest event")
            self.alert("sentry", self.sentry.issue_alert(job.payload), job.names)
        elif job.kind == "pagerduty":
            self._pagerduty(job.payload)
        else:
            event = github_events.parse_event(job.event, job.payload)
            if event is not None:
                self._github(event)

    def alert(self, source: str, payload: dict[str, Any], names: list[str] | tuple[str, ...] = (),
              external_id: str | None = None) -> None:
        alert = incoming(source, payload)
        repo = self.repos.resolve([*names, alert.service])
        if repo is None:
            raise LookupError(f"no repository mapped for service {alert.service[:80]!r} "
                              f"(names {[n[:80] for n in names]}): set ALERTFIX_SERVICES")
        report = self.service.receive(alert, repo, external_id=external_id, advance=False)
        if not report.attached:
            self.submit("advance", report.incident_id, None)
        log.info("%s: %s (%s)", report.incident_id, "attached" if report.attached
                 else "queued", alert.fingerprint[:12])

    def _pagerduty(self, payload: dict[str, Any]) -> None:
        event = pagerduty.incident_event(payload)
        external_id = f"pagerduty:{event.incident_id}"
        if event.event_type == "incident.resolved":
            fingerprint = self.store.linked(external_id)
            if fingerprint:
                self.store.resolved(fingerprint)
            log.info("PagerDuty incident %s resolved (fault %s)", event.incident_id[:40],
                     (fingerprint or "unknown")[:12])
            return
        if self.pagerduty is None:
            log.warning("no ALERTFIX_PAGERDUTY_API_TOKEN: incident %s has no alert details",
                        event.incident_id[:40])
        else:
            payload = self.pagerduty.with_alerts(payload)
        self.alert("pagerduty", payload, (event.service_name, event.service_id), external_id)

    # ------------------------------------------------------------ GitHub

    def _waiting(self, waiting_for: str) -> list[Report]:
        rows = self.store.all(status=f"waiting for {waiting_for}")
        return [r for r in (self.service.report(row.incident_id) for row in rows) if r.state]

    def _same_repository(self, report: Report, repository: str) -> bool:
        mapped = self.repos.resolve([repository]) if repository else None
        return mapped is None or report.state is None or report.state.repo.name == mapped.name

    def _github(self, event: GitHubEvent) -> None:
        if isinstance(event, CIFailure):
            self.alert("ci", event.payload, (event.repository,))
        elif isinstance(event, PullRequestClosed):
            decision: Literal["approved", "rejected"] = ("approved" if event.merged
                                                         else "rejected")
            self._resume([r for r in self._waiting("review")
                          if r.state and r.state.pull_request
                          and r.state.pull_request.branch == event.branch
                          and self._same_repository(r, event.repository)],
                         ReviewDecision(decision=decision, by=event.by))
        elif isinstance(event, DeploymentStatus):
            if event.state != "success":
                return
            waiting = self._waiting("deploy")
            exact = [r for r in waiting if r.state and r.state.pull_request
                     and r.state.pull_request.merge_commit == event.sha]
            # The deploy wait asks the deploy history itself; a deploy that does not ship
            # the fix leaves it waiting again.
            self._resume(exact or [r for r in waiting
                                   if self._same_repository(r, event.repository)],
                         Deployed(environment=event.environment))
        else:
            self._command(event)

    def _resume(self, reports: list[Report], resume: Resume) -> None:
        for report in reports:
            self.submit("advance", report.incident_id, resume.model_dump_json())

    def _command(self, event: CommentCommand) -> None:
        if not self.can_write(event.repository, event.by, event.author_association):
            log.warning("/alertfix %s from %s ignored: no write permission on %s",
                        event.command, event.by[:40], event.repository[:80])
            return
        found = [r for r in (self.service.report(row.incident_id)
                             for row in self.store.all()
                             if row.pull_request is not None)
                 if r.state and r.state.pull_request
                 and r.state.pull_request.number == event.number
                 and self._same_repository(r, event.repository)]
        if not found:
            return
        report = found[-1]
        assert report.state is not None
        forge = self.service.context(report.state.repo).forge
        if event.command == "explain":
            rc = report.state.root_cause
            body = (text("root_cause.md.j2", rc=rc) if rc and rc.location
                    else plain("alertfix has no root cause for this yet."))
            forge.comment(event.number, f"**{report.incident_id}**: {report.status}\n\n{body}")
        elif event.command == "stop":
            self.store.stop(int(report.incident_id.removeprefix("inc-")))
            forge.comment(event.number, plain(
                f"alertfix stopped working on {report.incident_id} at the request of "
                f"{event.by}: further alerts are counted, not acted on."))
        elif report.finished and report.state.outcome != "closed" and report.state.alert:
            retried = self.service.receive(report.state.alert, report.state.repo,
                                           advance=False, again=True)
            self.submit("advance", retried.incident_id, None)
            forge.comment(event.number, plain(
                f"Retrying at the request of {event.by}: {retried.incident_id} is queued."))
        else:
            forge.comment(event.number, plain(
                f"{report.incident_id} is {report.status}; nothing to retry."))


__all__ = ["Dispatcher", "Job", "UnknownIncident", "association_can_write"]
