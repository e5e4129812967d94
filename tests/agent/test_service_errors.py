"""What the agent does with an outside service's errors (tools/ports.py): Unavailable is
retried, then the incident waits (the ticket, or the audit log and `alertfix status`, say
why) until `tick` or `alertfix retry` finds the service back; Refused escalates with the
reason on the ticket. The outage lasts a number of calls, never a wall-clock time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import agent.context
from agent.cli import app as cli
from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.incidents.waits import ServiceWait
from agent.settings import Settings
from agent.state import RepoRef
from tools.audit import AuditLog
from tools.forge.local import LocalForge
from tools.ports import PullRequestDraft, PullRequestInfo, Refused, Ticket, TicketDraft, Unavailable
from tools.tracker.local import LocalTracker


class Outage:
    """Which port fails, for how many more calls, and with what."""

    def __init__(self) -> None:
        self.failing: dict[str, tuple[int, Exception]] = {}
        self.calls: dict[str, int] = {"forge": 0, "tracker": 0}

    def down(self, error: Unavailable | Refused, calls: int = 1000) -> None:
        self.failing[error.port] = (calls, error)

    def back(self, port: str) -> None:
        self.failing.pop(port, None)

    def check(self, port: str) -> None:
        self.calls[port] += 1
        left, error = self.failing.get(port, (0, None))  # type: ignore[assignment]
        if left > 0:
            self.failing[port] = (left - 1, error)
            raise error


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Outage:
    """The embedded forge and tracker, failing their writes while the outage lasts."""
    state = Outage()

    class FlakyForge(LocalForge):
        def open_pull_request(self, draft: PullRequestDraft) -> PullRequestInfo:
            state.check("forge")
            return super().open_pull_request(draft)

    class FlakyTracker(LocalTracker):
        def create(self, draft: TicketDraft) -> Ticket:
            state.check("tracker")
            return super().create(draft)

    monkeypatch.setitem(agent.context.FORGES, "local", lambda settings, repo: FlakyForge(
        settings.home, repo.name, repo.default_branch))
    monkeypatch.setitem(agent.context.TRACKERS, "local", lambda settings, repo: FlakyTracker(
        settings.home / "tracker.db"))
    return state


@pytest.fixture
def quick(tmp_path: Path) -> Settings:
    """Two in-stage retries without sleeping; then ten minutes' wait."""
    return Settings(home=tmp_path / ".alertfix", test_timeout_s=120, verify_window_s=0,
                    service_retries=2, service_backoff_s=0, service_wait_s=600)


def _status_json(home: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["status", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.mark.slow
def test_forge_down_the_incident_waits_the_ticket_says_why_and_it_resumes(
        quick: Settings, shop: Path, event: dict[str, Any], outage: Outage) -> None:
    service = IncidentService(quick)
    repo: RepoRef = service.register_local_repo(shop)
    # Down for as long as the test says, asking for 20 minutes: longer than a stage waits.
    outage.down(Unavailable("GitHub answered 503 Service Unavailable", port="forge",
                            retry_after=1200))
    report = service.receive(incoming("sentry", event), repo)
    assert report.status == "waiting for forge", report.status
    assert isinstance(report.wait, ServiceWait) and report.wait.stage == "pull_request"
    assert outage.calls["forge"] == 1  # not retried in the stage: it asked for longer
    assert report.state and report.state.ticket and report.state.pull_request is None
    tracker = LocalTracker(quick.home / "tracker.db")
    told = tracker.comments(report.state.ticket.key)[-1]
    assert "waiting for the forge" in told and "503 Service Unavailable" in told
    assert f"alertfix retry {report.incident_id}" in told
    [row] = _status_json(quick.home)
    assert (row["id"], row["stage"], row["pull_request"]) == (
        report.incident_id, "waiting for forge", None)

    comments = len(tracker.comments(report.state.ticket.key))
    assert service.tick(datetime.now(UTC) + timedelta(minutes=11)) == []  # Retry-After
    still_down = service.tick(datetime.now(UTC) + timedelta(minutes=21))
    assert [r.status for r in still_down] == ["waiting for forge"]
    assert len(tracker.comments(report.state.ticket.key)) == comments  # told once, not per try

    outage.back("forge")
    resumed = service.tick(datetime.now(UTC) + timedelta(hours=1))
    assert [r.status for r in resumed] == ["waiting for review"]
    forge = LocalForge(quick.home, "shop")
    assert [pr.number for pr in forge.open_pull_requests()] == [1]
    assert len(tracker.all()) == 1


@pytest.mark.slow
def test_tracker_down_the_audit_log_and_status_say_so_and_retry_resumes(
        quick: Settings, shop: Path, event: dict[str, Any], outage: Outage) -> None:
    service = IncidentService(quick)
    repo = service.register_local_repo(shop)
    outage.down(Unavailable("Jira answered 503", port="tracker"))
    report = service.receive(incoming("sentry", event), repo)
    assert report.status == "waiting for tracker"
    assert outage.calls["tracker"] == 3  # the first try and two retries, then it waits
    waiting = [e for e in AuditLog(quick.home / "audit.log").entries(report.incident_id)
               if e["action"] == "waiting"]
    assert waiting and waiting[0]["detail"]["port"] == "tracker"
    assert "Jira answered 503" in waiting[0]["detail"]["reason"]
    [row] = _status_json(quick.home)
    assert row["stage"] == "waiting for tracker" and "Jira" in row["waiting"]["reason"]

    outage.back("tracker")
    result = CliRunner().invoke(cli, ["retry", report.incident_id, "--home", str(quick.home)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "waiting for review" in result.output
    assert len(LocalTracker(quick.home / "tracker.db").all()) == 1


@pytest.mark.slow
def test_a_refusal_escalates_with_the_reason_on_the_ticket(
        quick: Settings, shop: Path, event: dict[str, Any], outage: Outage) -> None:
    service = IncidentService(quick)
    repo = service.register_local_repo(shop)
    outage.down(Refused("the App lacks pull_requests: write", port="forge"))
    report = service.receive(incoming("sentry", event), repo)
    assert report.state and report.state.outcome == "escalated", report.status
    assert "forge refused" in (report.state.escalation or "")
    assert outage.calls["forge"] == 1  # a refusal is not retried
    assert report.state.ticket
    comments = LocalTracker(quick.home / "tracker.db").comments(report.state.ticket.key)
    assert "pull_requests: write" in comments[-1]
