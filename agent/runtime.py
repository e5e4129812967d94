"""Start, resume and look up incidents: thread ids, the checkpointer, the incident registry.

One incident per fault: a second alert with the fingerprint of an incident still in flight
is attached to it (a comment on its ticket) instead of starting another run. An incident
whose process died mid-stage is resumed from its last checkpoint by the next `run`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agent.context import Context, build_context
from agent.graph import build_graph
from agent.nodes.base import text
from agent.registry import IncidentRow, Registry
from agent.settings import Settings
from agent.state import IncidentState, RepoRef
from tools import vcs
from tools.forge.local import LocalForge
from tools.monitors import parse_alert
from tools.ports import Deploy


class UnknownIncident(LookupError):
    pass


@dataclass
class Report:
    """Where an incident stands after a call."""

    incident_id: str
    state: IncidentState | None
    status: str
    waiting_for: str | None = None
    attached: bool = False  # the alert joined an incident already in flight
    interrupt: dict[str, Any] | None = None  # what the pending wait said about itself

    @property
    def finished(self) -> bool:
        return bool(self.state and self.state.outcome)


class AlertfixRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(settings.database_url, settings.state_path)

    # ------------------------------------------------------------ plumbing

    @contextlib.contextmanager
    def _graph(self) -> Iterator[CompiledStateGraph[Any, Any, Any, Any]]:
        with self.registry.checkpointer() as saver:
            yield build_graph().compile(checkpointer=saver)

    @staticmethod
    def _config(incident_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": incident_id}}

    def _row(self, ref: str) -> IncidentRow:
        """An incident by id (`inc-3`, `3`) or by its ticket key (`AF-1`)."""
        number = ref.removeprefix("inc-")
        row = self.registry.get(int(number)) if number.isdigit() else None
        if row is not None:
            return row
        for row in reversed(self.registry.all()):
            state = self.state(row.incident_id)
            if state and state.ticket and state.ticket.key.lower() == ref.lower():
                return row
        raise UnknownIncident(f"no incident {ref!r} (see `alertfix status`)")

    def incident_id(self, ref: str) -> str:
        """The incident id for an id or a ticket key; UnknownIncident when there is none."""
        return self._row(ref).incident_id

    def repo_of(self, incident_id: str) -> RepoRef:
        return RepoRef.model_validate_json(self._row(incident_id).repo)

    def context(self, repo: RepoRef) -> Context:
        return build_context(self.settings, repo)

    def state(self, incident_id: str) -> IncidentState | None:
        with self._graph() as app:
            values = app.get_state(self._config(incident_id)).values
        return IncidentState.model_validate(values) if values else None

    def report(self, incident_id: str) -> Report:
        with self._graph() as app:
            snapshot = app.get_state(self._config(incident_id))
        state = IncidentState.model_validate(snapshot.values) if snapshot.values else None
        waiting, pending_value = None, None
        for pending in snapshot.interrupts:
            if isinstance(pending.value, dict):
                waiting, pending_value = pending.value.get("waiting_for"), pending.value
        status: str
        if state and state.outcome:
            status = state.outcome
        elif waiting:
            status = f"waiting for {waiting}"
        elif snapshot.next:
            status = f"interrupted before {', '.join(snapshot.next)}"
        else:
            status = "not started"
        return Report(incident_id, state, status, waiting, interrupt=pending_value)

    def _invoke(self, incident_id: str, repo: RepoRef, payload: Any) -> Report:
        with self._graph() as app:
            app.invoke(payload, self._config(incident_id), context=self.context(repo),
                       durability="sync")
        report = self.report(incident_id)
        self.registry.update(int(incident_id.removeprefix("inc-")), report.status,
                             report.finished)
        return report

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

    # ------------------------------------------------------------ incidents

    def start(self, source: str, payload: Any, repo: RepoRef) -> Report:
        """Run an alert as far as it goes: to a wait, or to the end."""
        alert = parse_alert(source, payload)  # AlertParseError before anything is written
        row, created = self.registry.open_or_get(alert.fingerprint, source,
                                                 repo.model_dump_json())
        incident_id = row.incident_id
        if not created:
            report = self.report(incident_id)
            if report.waiting_for and report.state and report.state.ticket:
                return self._attach(report, alert, repo)
            if report.state is not None:  # died mid-stage: carry on from the last checkpoint
                return self._invoke(incident_id, repo, None)
        initial = IncidentState(incident_id=incident_id, source=source, raw_alert=payload,
                                repo=repo)
        return self._invoke(incident_id, repo, initial)

    def _attach(self, report: Report, alert: Any, repo: RepoRef) -> Report:
        assert report.state and report.state.ticket
        tracker = self.context(repo).tracker
        tracker.comment(report.state.ticket.key, text(
            "occurrence.md.j2", alert=alert, incident_id=report.incident_id, recurrence=False))
        report.attached = True
        return report

    def resume(self, ref: str, answer: Any = None) -> Report:
        incident_id = self.incident_id(ref)
        repo = self.repo_of(incident_id)
        report = self.report(incident_id)
        # Never an empty dict: LangGraph reads a dict answer as {interrupt id: value}.
        answer = answer or {"action": "resume"}
        payload: Command[Any] | None = Command(resume=answer) if report.waiting_for else None
        return self._invoke(incident_id, repo, payload)

    def approve(self, ref: str, by: str = "reviewer") -> Report:
        """The reviewer approves; in embedded mode the local forge merges, as they would."""
        report = self.report(self.incident_id(ref))
        self._expect(report, "review")
        assert report.state and report.state.pull_request
        forge = self.context(report.state.repo).forge
        if isinstance(forge, LocalForge):
            forge.merge(report.state.pull_request.number, reviewer=by)
        return self.resume(report.incident_id, {"decision": "approved", "by": by})

    def reject(self, ref: str, by: str = "reviewer") -> Report:
        report = self.report(self.incident_id(ref))
        self._expect(report, "review")
        assert report.state and report.state.pull_request
        forge = self.context(report.state.repo).forge
        if isinstance(forge, LocalForge):
            forge.reject(report.state.pull_request.number)
        return self.resume(report.incident_id, {"decision": "rejected", "by": by})

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
        return self.resume(ref, {"environment": environment})

    @staticmethod
    def _expect(report: Report, waiting_for: str) -> None:
        if report.waiting_for != waiting_for:
            raise RuntimeError(f"{report.incident_id} is not waiting for {waiting_for} "
                               f"(it is {report.status})")

    def tick(self, now: datetime | None = None) -> list[Report]:
        """Resume every incident whose verification window has passed, and let queued ones
        check again whether the policy's caps leave room."""
        now = now or datetime.now(UTC)
        resumed = [self.resume(row.incident_id, {"action": "tick"})
                   for row in self.registry.all(status="waiting for capacity")]
        for row in self.registry.all(status="waiting for verification window"):
            report = self.report(row.incident_id)
            due = report.interrupt.get("due") if report.interrupt else None
            if due and datetime.fromisoformat(due) <= now:
                resumed.append(self.resume(report.incident_id, {"action": "tick"}))
        return resumed

    def incidents(self) -> list[Report]:
        return [self.report(row.incident_id) for row in self.registry.all()]

    def registry_status(self, incident_id: str) -> tuple[str, bool]:
        """The status and finished flag last recorded for an incident, without reading its
        checkpoint: cheap enough for the server to ask on every alert."""
        row = self._row(incident_id)
        return row.status, row.finished

