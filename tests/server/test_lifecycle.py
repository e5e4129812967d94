"""End to end through the server: a real sentry-sdk crash of the shop arrives at the ingest,
the incident runs to review; PR comment commands, the merged-PR webhook and the deployment
webhook carry it to closed; the same fault firing again reopens it as a regression."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.demo import GUEST_CHECKOUT, send_traffic
from agent.incidents.service import IncidentService
from agent.server.app import create_app
from agent.server.background import serve_in_thread
from agent.server.workers import EmbeddedQueue
from agent.settings import Settings
from tests.server.conftest import (
    INGEST_KEY,
    post_github,
    post_sentry,
    reconfigured,
    sentry_event,
)
from tools.forge.local import LocalForge
from tools.tracker.local import LocalTracker

REPO = {"full_name": "acme/shop", "default_branch": "main"}


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """Verification one second after the deploy, the server's timer checking often."""
    app = create_app(reconfigured(settings, verify_window_s=1,
                                  verify_max_window_s=1), tick_interval_s=0.2)
    yield app
    app.state.worker.close()


def wait_for(runtime: IncidentService, incident_id: str, status: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while (current := runtime.report(incident_id).status) != status:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return current


def comment(number: int, body: str, association: str, login: str = "ana") -> dict[str, Any]:
    return {"action": "created", "repository": REPO, "sender": {"login": login},
            "issue": {"number": number, "pull_request": {"url": "u"}},
            "comment": {"body": body, "user": {"login": login},
                        "author_association": association}}


@pytest.mark.slow
def test_alert_to_closed_and_back(app: FastAPI, client: TestClient, worker: EmbeddedQueue,
                                  runtime: IncidentService, shop: Path) -> None:
    head = git.Repo(shop).head.commit.hexsha
    with serve_in_thread(app) as url:
        dsn = url.replace("http://", f"http://{INGEST_KEY}@") + "/1"
        assert send_traffic(shop, dsn, head, GUEST_CHECKOUT) == "500"
        time.sleep(0.5)  # the worker is now running the incident
        started = time.monotonic()
        assert client.post("/webhooks/github", json={}).status_code == 401
        assert post_sentry(client, sentry_event(1)).status_code == 202
        assert time.monotonic() - started < 1.0  # acknowledged while the worker is busy
        assert worker.drain(180)
        reports = [r for r in runtime.incidents() if r.waiting_for == "review"]
        assert len(reports) == 1, [r.status for r in runtime.incidents()]
        incident = reports[0]
        assert incident.state and incident.state.pull_request and incident.state.ticket
        pr, ticket_key = incident.state.pull_request, incident.state.ticket.key
        assert incident.state.alert
        fingerprint, repo = incident.state.alert.fingerprint, incident.state.repo
        forge = runtime.context(incident.state.repo).forge
        assert isinstance(forge, LocalForge)

        # Commands: only from users with write permission.
        before = len(forge.comments(pr.number))
        post_github(client, "issue_comment", comment(pr.number, "/alertfix stop", "NONE",
                                                     "mallory"), "c1")
        post_github(client, "issue_comment", comment(pr.number, "/alertfix explain",
                                                     "MEMBER"), "c2")
        assert worker.drain(30)
        comments = forge.comments(pr.number)
        assert len(comments) == before + 1 and "loyalty_factor" in comments[-1]

        # The reviewer merges on the forge; GitHub tells alertfix.
        forge.merge(pr.number, reviewer="ana")
        closed = {"action": "closed", "number": pr.number, "repository": REPO,
                  "sender": {"login": "ana"},
                  "pull_request": {"number": pr.number, "merged": True,
                                   "merge_commit_sha": None, "head": {"ref": pr.branch}}}
        assert post_github(client, "pull_request", closed, "pr-1").status_code == 202
        assert post_github(client, "pull_request", closed, "pr-1").json() == {
            "duplicate": True}
        assert worker.drain(60)
        report = runtime.report(incident.incident_id)
        assert report.waiting_for == "deploy", report.status
        assert report.state and report.state.pull_request
        merge_commit = report.state.pull_request.merge_commit
        assert merge_commit

        # The CD system deploys it; GitHub reports the deployment's success.
        runtime.record_deploy(incident.incident_id)
        deployed = {"repository": REPO,
                    "deployment": {"sha": merge_commit, "environment": "production"},
                    "deployment_status": {"state": "success", "environment": "production"}}
        assert post_github(client, "deployment_status", deployed, "dep-1").status_code == 202
        assert worker.drain(120)
        # The server's timer resumes it once the verification window has passed.
        assert wait_for(runtime, incident.incident_id, "closed", 60) == "closed"

        # The old code crashes again (say, a rollback): a regression, reopened.
        assert send_traffic(shop, dsn, head, GUEST_CHECKOUT) == "500"
        assert worker.drain(180)
    again = [r for r in runtime.incidents() if r.incident_id != incident.incident_id
             and r.state and r.state.alert
             and r.state.alert.fingerprint == fingerprint]
    assert len(again) == 1
    tracker = runtime.context(repo).tracker
    assert isinstance(tracker, LocalTracker)
    assert any("fault is back" in c for c in tracker.comments(ticket_key))
