"""agent/incidents: the store's migrations, the occurrence rule, typed waits, and the edge
that parses and redacts an alert once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agent.incidents import occurrences
from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.incidents.store import MIGRATIONS, IncidentRow, Store
from agent.incidents.waits import (
    RESUME,
    WAIT,
    Deployed,
    ReviewDecision,
    ServiceWait,
    VerificationWait,
    describe,
)
from agent.settings import Settings
from agent.state import RepoRef

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def test_migrations_run_once_and_record_the_version(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(None, path)
    assert store.migrate() == len(MIGRATIONS)
    Store(None, path)  # a second process: nothing to apply
    versions = sqlite3.connect(path).execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]


def test_deliveries_are_recorded_once_and_their_payload_dropped_when_done(
        tmp_path: Path) -> None:
    store = Store(None, tmp_path / "state.db")
    assert store.add_delivery("sentry:1", "sentry", '{"token": "x"}')
    assert not store.add_delivery("sentry:1", "sentry", "{}")  # a retry
    assert store.pending_deliveries() == ["sentry:1"]
    assert store.pending_deliveries(60) == []  # just queued again: not for another minute
    store.delivery_done("sentry:1")
    row = store.delivery("sentry:1")
    assert row and row.state == "done" and row.job == ""


def _row(status: str, finished: bool = False, lease: bool = False) -> IncidentRow:
    return IncidentRow(1, "fp", "sentry", "{}", status, finished, None, None, None, None, 1, 0,
                       0.0, False, "host:1:x" if lease else None, 0.0)


@pytest.mark.parametrize(("row", "held", "route"), [
    (None, False, "start"),
    (_row("closed", finished=True), False, "start"),  # a regression
    (_row("reopened", finished=True), False, "start"),  # the fix did not hold
    (_row("escalated", finished=True), False, "attach"),  # a person has it
    (_row("queued"), False, "attach"),
    (_row("waiting for review"), False, "attach"),
    (_row("running", lease=True), True, "attach"),
    (_row("running", lease=True), False, "carry on"),  # its worker died
    (_row("starting", lease=True), False, "carry on"),
    (_row("stopped by OperationalError"), False, "carry on"),  # `run` again resumes it
])
def test_the_one_occurrence_rule(row: IncidentRow | None, held: bool, route: str) -> None:
    assert occurrences.route(row, held) == route


def test_waits_and_resumes_are_typed_both_ways() -> None:
    wait = WAIT.validate_python(VerificationWait(due="2026-01-01T00:00:00+00:00").model_dump())
    assert isinstance(wait, VerificationWait)
    assert describe(wait) == "waiting for verification window"
    service = ServiceWait(port="forge", reason="503", retry_at=1.0)
    assert describe(service) == "waiting for forge"
    assert WAIT.validate_json(service.model_dump_json()) == service
    assert RESUME.validate_json(ReviewDecision(decision="approved").model_dump_json()) \
        == ReviewDecision(decision="approved")
    assert isinstance(RESUME.validate_python({"kind": "deployed"}), Deployed)
    with pytest.raises(ValueError):
        RESUME.validate_python({"decision": "approved"})  # an untyped answer is refused


def _leaky_event() -> dict[str, Any]:
    frame = {"filename": "billing/api.py", "abs_path": "/srv/app/billing/api.py",
             "module": "billing.api", "function": "charge", "lineno": 12, "in_app": True,
             "vars": {"tier": "'gold'", "api_token": f"'{TOKEN}'", "count": 3,
                      "note": f"'auth with {TOKEN}'"}}
    return {"event_id": "e" * 32, "environment": "production",
            "exception": {"values": [{"type": "RuntimeError",
                                      "value": f"login failed for token {TOKEN}",
                                      "stacktrace": {"frames": [frame]}}]}}


def test_the_edge_redacts_secrets_and_keeps_what_a_regression_test_needs() -> None:
    alert = incoming("sentry", _leaky_event())
    assert TOKEN not in alert.model_dump_json()
    assert "REDACTED" in alert.exception_message
    frame = alert.frames[-1]
    assert frame.vars["tier"] == "'gold'" and frame.vars["count"] == 3
    assert frame.vars["api_token"] == "[REDACTED]"
    assert alert.fingerprint == incoming("sentry", _leaky_event()).fingerprint


@pytest.mark.slow
def test_no_secret_reaches_the_checkpoint_store(tmp_path: Path, shop: Path) -> None:
    settings = Settings(home=tmp_path / ".alertfix", test_timeout_s=120)
    service = IncidentService(settings)
    repo: RepoRef = service.register_local_repo(shop)
    report = service.receive(incoming("sentry", _leaky_event()), repo)
    assert report.finished, report.status  # outside the shop's code: escalated after RCA
    for path in settings.home.rglob("*.db*"):
        assert TOKEN.encode() not in path.read_bytes(), path
    state = service.state(report.incident_id)
    assert state and state.alert and state.alert.frames[-1].vars["tier"] == "'gold'"
