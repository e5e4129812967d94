"""The incident service: the one API every entry point (CLI, server, workers, demo, evals)
calls to move an incident.

    receive(alert, repo)        a (redacted) alert: start, carry on, or attach (occurrences.py)
    resume(incident, resume)    a typed Resume wakes a waiting incident
    tick(now)                   timers: verification windows, capacity, services back up,
                                incidents whose worker died

Each run of the graph holds the incident's lease (store.py), so two workers never advance one
incident at once; where the run ends is written back to the store. An outside service that
stays unavailable through the stage's retries leaves the incident waiting for it (a
ServiceWait), with the ticket told why; `tick` or `alertfix retry` tries again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.types import Command

from agent.context import Context, build_context
from agent.incidents import occurrences, outages
from agent.incidents.store import IncidentRow, Store, StoreUnavailable, connection_errors
from agent.incidents.waits import (
    WAIT,
    CapacityWait,
    Deployed,
    Resume,
    Retry,
    ReviewDecision,
    ServiceWait,
    Tick,
    VerificationWait,
    Wait,
    describe,
)
from agent.runtime import compiled_graph, thread
from agent.settings import Settings
from agent.state import IncidentState, RepoRef
from tools import vcs
from tools.forge.local import LocalForge
from tools.ports import Alert, Deploy, Unavailable

log = logging.getLogger("alertfix.incidents")


class UnknownIncident(LookupError):
    pass


class Busy(RuntimeError):
    """Another worker holds the incident's lease: try again later."""


@dataclass
class Report:
    """Where an incident stands after a call."""

    incident_id: str
    state: IncidentState | None
    status: str
    wait: Wait | None = None
    attached: bool = False  # the alert joined an incident already in flight

    @property
    def waiting_for(self) -> str | None:
        return self.wait.waiting_for if self.wait else None

    @property
    def finished(self) -> bool:
        return bool(self.state and self.state.outcome)


def _n(incident_id: str) -> int:
    return int(incident_id.removeprefix("inc-"))


class IncidentService:
    def __init__(self, settings: Settings, owner: str | None = None) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.database_url, settings.state_path)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    # ------------------------------------------------------------ lookups

    def _row(self, ref: str) -> IncidentRow:
        """An incident by id (`inc-3`, `3`) or by its ticket key (`AF-1`)."""
        number = ref.removeprefix("inc-")
        row = self.store.get(int(number)) if number.isdigit() else self.store.by_ticket(ref)
        if row is None:
            raise UnknownIncident(f"no incident {ref!r} (see `alertfix status`)")
        return row

    def incident_id(self, ref: str) -> str:
        """The incident id for an id or a ticket key; UnknownIncident when there is none."""
        return self._row(ref).incident_id

    def repo_of(self, incident_id: str) -> RepoRef:
        return RepoRef.model_validate_json(self._row(incident_id).repo)

    def context(self, repo: RepoRef) -> Context:
        return build_context(self.settings, repo)

    def state(self, incident_id: str) -> IncidentState | None:
        return self.report(incident_id).state

    def report(self, incident_id: str) -> Report:
        row = self._row(incident_id)
        with compiled_graph(self.settings) as app:
            snapshot = app.get_state(thread(row.incident_id))
        state = IncidentState.model_validate(snapshot.values) if snapshot.values else None
        pending: Wait | None = None
        for interrupt in snapshot.interrupts:
            pending = WAIT.validate_python(interrupt.value)
        if pending is None and row.waiting:  # a service wait: recorded by this service
            pending = WAIT.validate_json(row.waiting)
        status: str
        if state and state.outcome:
            status = state.outcome
        elif pending is not None:
            status = describe(pending)
        elif snapshot.next:
            status = f"interrupted before {', '.join(snapshot.next)}"
        else:
            status = "not started"
        return Report(row.incident_id, state, status, pending)

    def incidents(self) -> list[Report]:
        return [self.report(row.incident_id) for row in self.store.all()]

    # ------------------------------------------------------------ repositories

    def register_local_repo(self, path: Path, default_branch: str | None = None,
                            test_command: list[str] | None = None, python: str | None = None,
                            setup: str | None = None) -> RepoRef:
        """Seed the embedded forge from a repository on disk (the forge becomes `origin`)."""
        with vcs.open_repo(path) as source:
            branch = default_branch or (source.head.reference.name
                                        if not source.head.is_detached else "main")
        forge = LocalForge.import_repository(self.settings.home, path, default_branch=branch)
        return RepoRef(name=forge.name, origin=forge.clone_url(), default_branch=branch,
                       test_command=test_command or None, python=python, setup=setup)

    # ------------------------------------------------------------ the API

    def receive(self, alert: Alert, repo: RepoRef, external_id: str | None = None, *,
                advance: bool = True, again: bool = False) -> Report:
        """An alert (parsed and redacted at the edge: alerts.incoming) for `repo`: a new
        incident, the one its fault already has (attached: counted, its ticket told), or one
        whose worker died (carried on). `advance=False` opens it without running it (a queue
        runs `advance`); `again` starts anew after an escalation (a person's retry)."""
        if external_id:
            self.store.link(external_id, alert.fingerprint)
        latest = self.store.latest(alert.fingerprint)
        route = occurrences.route(latest, latest is not None and self.held(latest))
        if again and latest is not None and latest.finished:
            route = "start"
        if route == "attach" and latest is not None:
            return self._attach(latest, alert, full=advance)
        if route == "carry on" and latest is not None:  # its worker died: carry it on
            self.store.occurred(latest.n)
            if not self._started(latest):
                with self.lease(latest):
                    self._open(latest, alert)
            return self.advance(latest.incident_id) if advance else self.report(
                latest.incident_id)
        row, created = self.store.open_or_get(alert.fingerprint, alert.source,
                                              repo.model_dump_json(), self.owner,
                                              self.settings.lease_s)
        if not created:  # another worker opened it a moment ago
            return self._attach(row, alert, full=advance)
        with self.lease(row):  # taken with the row; renewed while the checkpoint is written
            self._open(row, alert)
        return self.advance(row.incident_id) if advance else self.report(row.incident_id)

    def _open(self, row: IncidentRow, alert: Alert) -> None:
        """The incident's first checkpoint: its alert and repository, before any stage."""
        initial = IncidentState(incident_id=row.incident_id, source=alert.source, alert=alert,
                                repo=RepoRef.model_validate_json(row.repo))
        with compiled_graph(self.settings) as app:
            app.invoke(initial, thread(row.incident_id), interrupt_before=["intake"],
                       durability="sync")
        self.store.record(row.n, status="queued", finished=False, waiting=None,
                          retry_at=None, ticket=None, pull_request=None)

    def advance(self, ref: str) -> Report:
        """Run the incident's next stages up to a wait or the end. A no-op for an incident
        that is waiting or finished (a redelivered task whose stage is done)."""
        row = self._row(ref)
        if row.finished or row.waiting is not None:
            return self.report(row.incident_id)
        report = self.report(row.incident_id)
        if report.finished or (report.wait is not None and row.status != "running"):
            return report
        return self._advance(row, None)

    def resume(self, ref: str, resume: Resume) -> Report:
        row = self._row(ref)
        report = self.report(row.incident_id)
        if report.finished:
            return report
        payload: Any = None  # a service wait or a died run: the failed stage runs again
        if report.wait is not None and not isinstance(report.wait, ServiceWait):
            payload = Command(resume=resume.model_dump(mode="json"))
        return self._advance(row, payload)

    def due(self, now: datetime | None = None) -> list[tuple[str, Resume | None]]:
        """What the timers say should move now: verification windows passed, capacity
        re-checks, services whose retry time came (a Resume each), and unfinished incidents
        whose worker died, lease expired (None: carry on)."""
        moment = (now or datetime.now(UTC)).timestamp()
        found: list[tuple[str, Resume | None]] = []
        for row in self.store.all(unfinished=True):
            resume = self._due(row, moment)
            if resume is not None:
                found.append((row.incident_id, None if isinstance(resume, str) else resume))
        return found

    def tick(self, now: datetime | None = None) -> list[Report]:
        """Move what is due (see `due`) in this process: `alertfix tick`."""
        moved = []
        for incident_id, resume in self.due(now):
            try:
                moved.append(self.resume(incident_id, resume) if resume is not None
                             else self.advance(incident_id))
            except Busy:
                continue  # another worker has it now
        return moved

    def _started(self, row: IncidentRow) -> bool:
        """Whether the incident has its first checkpoint."""
        with compiled_graph(self.settings) as app:
            return bool(app.get_state(thread(row.incident_id)).values)

    def held(self, row: IncidentRow) -> bool:
        """Whether a live worker holds the incident's lease: unexpired, and (when the holder
        ran on this machine) its process still exists. A lease's owner is host:pid:nonce."""
        if row.lease_owner is None or row.lease_until < time.time():
            return False
        host, _, rest = row.lease_owner.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit():
            return True
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _due(self, row: IncidentRow, moment: float) -> Resume | str | None:
        if self.held(row):
            return None
        if row.waiting is None:
            if row.status == "running":  # its worker died mid-stage
                return "carry on"
            if row.status == "queued":  # its advance task was lost (a broker, a server)
                stale = self.store.requeue(row.n, self.settings.redeliver_after_s)
                return "carry on" if stale else None
            return None  # starting: its delivery is redelivered; stopped: a person retries
        pending = WAIT.validate_json(row.waiting)
        if isinstance(pending, CapacityWait):
            return Tick()
        if isinstance(pending, VerificationWait):
            return Tick() if datetime.fromisoformat(pending.due).timestamp() <= moment else None
        if isinstance(pending, ServiceWait):
            return Retry() if (pending.retry_at or 0) <= moment else None
        return None

    def retry(self, ref: str, by: str = "operator") -> Report:
        """Try again now: a service wait, or a run that stopped mid-stage."""
        report = self.report(self.incident_id(ref))
        if report.finished or (report.wait and not isinstance(report.wait, ServiceWait)):
            raise RuntimeError(f"{report.incident_id} is {report.status}; nothing to retry")
        return self.resume(report.incident_id, Retry(by=by))

    # ------------------------------------------------------------ people's answers

    def approve(self, ref: str, by: str = "reviewer") -> Report:
        """The reviewer approves; in embedded mode the local forge merges, as they would."""
        report = self.report(self.incident_id(ref))
        self._expect(report, "review")
        assert report.state and report.state.pull_request
        forge = self.context(report.state.repo).forge
        if isinstance(forge, LocalForge):
            forge.merge(report.state.pull_request.number, reviewer=by)
        return self.resume(report.incident_id, ReviewDecision(decision="approved", by=by))

    def reject(self, ref: str, by: str = "reviewer") -> Report:
        report = self.report(self.incident_id(ref))
        self._expect(report, "review")
        assert report.state and report.state.pull_request
        forge = self.context(report.state.repo).forge
        if isinstance(forge, LocalForge):
            forge.reject(report.state.pull_request.number)
        return self.resume(report.incident_id, ReviewDecision(decision="rejected", by=by))

    def record_deploy(self, ref: str, environment: str = "production") -> Deploy:
        """Record that the merged fix is deployed, as a CD system would in embedded mode."""
        report = self.report(self.incident_id(ref))
        self._expect(report, "deploy")
        assert report.state and report.state.pull_request
        deploys = self.context(report.state.repo).deploys
        merge_commit = report.state.pull_request.merge_commit
        if not isinstance(deploys, vcs.TagDeployHistory) or not merge_commit:
            raise RuntimeError("deploys are recorded by the deployment system, not alertfix")
        return deploys.record(merge_commit, environment)

    def deployed(self, ref: str, environment: str = "production") -> Report:
        """The fix is deployed: record it (embedded mode) and let verify run."""
        self.record_deploy(ref, environment)
        return self.resume(ref, Deployed(environment=environment))

    @staticmethod
    def _expect(report: Report, waiting_for: str) -> None:
        if report.waiting_for != waiting_for:
            raise RuntimeError(f"{report.incident_id} is not waiting for {waiting_for} "
                               f"(it is {report.status})")

    # ------------------------------------------------------------ running

    def _attach(self, row: IncidentRow, alert: Alert, full: bool) -> Report:
        """Count the occurrence and tell the ticket when it is time; reads the store only
        (`full` adds the checkpoint, for a person looking at the result)."""
        row = self.store.occurred(row.n)
        if row.ticket is not None and not row.stopped:
            since = self.store.claim_comment(row.n,
                                             self.settings.occurrence_comment_interval_s)
            if since:
                tracker = self.context(RepoRef.model_validate_json(row.repo)).tracker
                occurrences.tell_ticket(tracker, row.ticket, alert, row.incident_id,
                                        since_last=since, total=row.occurrences)
        report = (self.report(row.incident_id) if full
                  else Report(row.incident_id, None, row.status))
        report.attached = True
        return report

    @contextlib.contextmanager
    def lease(self, row: IncidentRow) -> Iterator[None]:
        """Hold the incident's lease for the block, renewed while it runs; Busy when another
        worker holds it. A worker killed mid-stage stops renewing: its lease runs out and
        `tick` carries the incident on."""
        ttl = self.settings.lease_s
        current = self.store.get(row.n)
        dead = (current.lease_owner or "") if current and not self.held(current) else ""
        if not self.store.acquire(row.n, self.owner, ttl, dead=dead):
            raise Busy(f"{row.incident_id} is being advanced by another worker")
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(ttl / 3):
                with contextlib.suppress(Exception):  # the store is back by the next beat
                    self.store.renew(row.n, self.owner, ttl)

        beat = threading.Thread(target=renew, name=f"lease-{row.n}", daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()
            self.store.release(row.n, self.owner)

    def _advance(self, row: IncidentRow, payload: Any) -> Report:
        repo = RepoRef.model_validate_json(row.repo)
        with self.lease(row):
            waiting: ServiceWait | None = None
            try:
                with compiled_graph(self.settings) as app:
                    app.invoke(payload, thread(row.incident_id), context=self.context(repo),
                               durability="sync")
            except Unavailable as exc:
                waiting = outages.wait_for_service(self.settings, row, exc)
            except connection_errors(sqlite=False) as exc:  # a database restart: carry on later
                raise StoreUnavailable(f"the store went away mid-run: {exc}") from exc
            except BaseException as exc:  # recorded, so that timers leave it for a person
                self.store.record(row.n, status=f"stopped by {type(exc).__name__}",
                                  finished=False, waiting=None, retry_at=None,
                                  ticket=row.ticket, pull_request=row.pull_request)
                raise
            report = self.report(row.incident_id) if waiting is None else self._waiting(
                row, waiting)
            state = report.state
            self.store.record(
                row.n, status=report.status, finished=report.finished,
                waiting=report.wait.model_dump_json() if report.wait else None,
                retry_at=waiting.retry_at if waiting else None,
                ticket=state.ticket.key if state and state.ticket else None,
                pull_request=state.pull_request.url or f"#{state.pull_request.number}"
                if state and state.pull_request else None)
        return report

    def _waiting(self, row: IncidentRow, waiting: ServiceWait) -> Report:
        with compiled_graph(self.settings) as app:
            values = app.get_state(thread(row.incident_id)).values
        state = IncidentState.model_validate(values) if values else None
        return Report(row.incident_id, state, describe(waiting), waiting)
