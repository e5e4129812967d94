"""The command line: run to review, approve, deploy; bad input; status."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app, console
from agent.incidents.service import IncidentService
from agent.settings import Settings
from tools.tracker.local import LocalTracker

cli = CliRunner()
console.width = 200  # tables unwrapped, whatever terminal runs the tests


def _invoke(*args: str) -> Any:
    return cli.invoke(app, list(args), catch_exceptions=False)


def test_an_alert_that_is_not_json_is_a_one_line_error(tmp_path: Path, shop: Path) -> None:
    alert = tmp_path / "alert.json"
    alert.write_text("{not json")
    result = _invoke("run", "--alert", str(alert), "--repo", str(shop),
                     "--home", str(tmp_path / "h"))
    assert result.exit_code == 2
    assert "is not JSON" in result.output and "Traceback" not in result.output


def test_an_alert_of_unknown_shape_is_a_one_line_error(tmp_path: Path, shop: Path) -> None:
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps({"hello": "world"}))
    result = _invoke("run", "--alert", str(alert), "--repo", str(shop),
                     "--home", str(tmp_path / "h"))
    assert result.exit_code == 2
    assert "not a Sentry alert" in result.output
    assert not (tmp_path / "h" / "tracker.db").exists()  # nothing was filed


def test_unknown_incident_is_a_clear_error(tmp_path: Path) -> None:
    result = _invoke("approve", "inc-9", "--home", str(tmp_path / "h"))
    assert result.exit_code == 2 and "no incident 'inc-9'" in result.output


@pytest.mark.slow
def test_run_stops_at_review_and_approve_carries_it_to_done(
        tmp_path: Path, shop: Path, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTFIX_VERIFY_WINDOW_S", "0")
    monkeypatch.setenv("ALERTFIX_VERIFY_MAX_WINDOW_S", "0")
    home = tmp_path / "h"
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps(event))
    result = _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    assert result.exit_code == 0, result.output
    assert "waiting for review" in result.output
    assert "alertfix approve inc-1" in result.output

    # The same alert again joins the incident in flight: no second ticket or PR.
    again = _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    assert "joined an incident already in flight" in again.output

    status = _invoke("status", "--home", str(home))
    assert "inc-1" in status.output and "waiting for review" in status.output

    approved = _invoke("approve", "AF-1", "--home", str(home))  # by ticket key
    assert approved.exit_code == 0 and "waiting for deploy" in approved.output
    deployed = _invoke("deployed", "inc-1", "--home", str(home))
    assert deployed.exit_code == 0 and "closed" in deployed.output

    tracker = LocalTracker(home / "tracker.db")
    assert [t.status.value for t in tracker.all()] == ["Done"]
    # One event, watched for no time (a window of 0 s here): closed, never "verified".
    assert "Fixed, not verified by traffic" in tracker.comments("AF-1")[-1]
    report = IncidentService(Settings(home=home)).report("inc-1")
    assert report.state and report.state.verification and report.state.verification.passed


@pytest.mark.slow
def test_reject_hands_the_ticket_back_to_a_human(
        tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    home = tmp_path / "h"
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps(event))
    _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    rejected = _invoke("reject", "inc-1", "--home", str(home))
    assert rejected.exit_code == 0 and "escalated" in rejected.output
    tracker = LocalTracker(home / "tracker.db")
    ticket = tracker.all()[0]
    assert ticket.status.value == "Open"
    assert "closed without merging" in tracker.comments(ticket.key)[-1]


@pytest.mark.slow
def test_verification_waits_for_its_window_then_tick_closes(
        tmp_path: Path, shop: Path, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTFIX_VERIFY_WINDOW_S", "3")
    monkeypatch.setenv("ALERTFIX_VERIFY_MAX_WINDOW_S", "3")
    home = tmp_path / "h"
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps(event))
    _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    _invoke("approve", "inc-1", "--home", str(home))
    deployed = _invoke("deployed", "inc-1", "--home", str(home))
    assert "waiting for verification window" in deployed.output
    assert "No incident is due" in _invoke("tick", "--home", str(home)).output
    tracker = LocalTracker(home / "tracker.db")
    assert "will check that the error is gone" in tracker.comments("AF-1")[-1]
    time.sleep(3.1)
    ticked = _invoke("tick", "--home", str(home))
    assert "closed" in ticked.output
    assert tracker.all()[0].status.value == "Done"


def test_an_adapter_failure_is_one_line_and_the_rerun_resumes(
        tmp_path: Path, shop: Path, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "h"
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps(event))
    (home).mkdir()
    (home / "tracker.db").mkdir()  # the tracker's database cannot be opened
    failed = _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    assert failed.exit_code == 1
    assert "stopped by OperationalError" in failed.output and "run the same command" in \
        failed.output
    assert "Traceback" not in failed.output
    (home / "tracker.db").rmdir()
    rerun = _invoke("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    assert rerun.exit_code == 0 and "inc-1" in rerun.output
    assert "waiting for review" in rerun.output
    assert "inc-2" not in _invoke("status", "--home", str(home)).output


def test_a_pagerduty_webhook_without_its_alerts_says_what_is_missing(
        tmp_path: Path, shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALERTFIX_PAGERDUTY_API_TOKEN", raising=False)
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps({"event": {"id": "e1", "event_type": "incident.triggered",
                                           "data": {"id": "P1", "title": "boom"}}}))
    result = _invoke("run", "--alert", str(alert), "--repo", str(shop), "--source",
                     "pagerduty", "--home", str(tmp_path / "h"))
    assert result.exit_code == 2 and "ALERTFIX_PAGERDUTY_API_TOKEN" in result.output
