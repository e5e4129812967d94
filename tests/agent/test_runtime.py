"""The runtime's whole-incident paths: reopen when the error is back after the deploy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.incidents.waits import Deployed
from agent.state import RepoRef
from tools.monitors.local import EventStore
from tools.ports import TicketStatus
from tools.tracker.local import LocalTracker


@pytest.mark.slow
def test_the_error_seen_again_after_the_deploy_reopens_the_ticket(
        runtime: IncidentService, repo_ref: RepoRef, event: dict[str, Any], tmp_path: Path) -> None:
    report = runtime.receive(incoming("sentry", event), repo_ref)
    report = runtime.approve(report.incident_id)
    shipped = runtime.record_deploy(report.incident_id)
    # Production still raises it after the deploy (say the fix missed a code path).
    store = EventStore(runtime.settings.home / "events.db")
    store.add("1", {**event, "event_id": "after-deploy"})  # received now: after the deploy
    assert datetime.now(UTC) >= shipped.deployed_at
    report = runtime.resume(report.incident_id, Deployed(environment="production"))
    state = report.state
    assert state and state.outcome == "reopened"
    assert state.verification and not state.verification.passed
    assert state.verification.new_events == 1 and state.verification.scenario_passed
    tracker = LocalTracker(runtime.settings.home / "tracker.db")
    assert tracker.all()[0].status == TicketStatus.REOPENED
    assert "Verification failed after deploy" in tracker.comments("AF-1")[-1]
    # The same fault alerting again starts a new incident on the same, reopened ticket.
    again = runtime.receive(incoming("sentry", {**event, "event_id": "later"}), repo_ref)
    assert again.incident_id == "inc-2"
    assert again.state and again.state.ticket and again.state.ticket.key == "AF-1"
    assert datetime.now(UTC) > shipped.deployed_at
