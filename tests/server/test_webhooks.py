"""The webhook endpoints: bad input is refused with the right status and creates nothing;
good deliveries are acknowledged first and become one incident per fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.incidents.service import IncidentService
from agent.server.dispatcher import Job
from agent.server.workers import EmbeddedQueue
from tests.server.conftest import (
    post_github,
    post_pagerduty,
    post_sentry,
    reconfigured,
    sentry_event,
)
from tests.standins.sentry_api import SentryAPIStandIn, sentry_api_standin
from tools.monitors import parse_alert
from tools.ports import AlertParseError

TRACEBACK = '''Traceback (most recent call last):
  File "/opt/billing/current/billing/api.py", line 52, in charge
    return gateway.charge(card)
KeyError: 'order-99'
'''


def pagerduty_incident(incident_id: str = "PT4KHLK", event_type: str = "incident.triggered",
                       event_id: str = "01DEN6") -> dict[str, Any]:
    return {"event": {"id": event_id, "event_type": event_type, "resource_type": "incident",
                      "occurred_at": "2026-11-22T10:00:00Z",
                      "data": {"id": incident_id, "title": "billing errors",
                               "service": {"id": "PBILL", "summary": "billing"}}}}


def no_incidents(worker: EmbeddedQueue, runtime: IncidentService) -> bool:
    assert worker.drain(30)
    return runtime.incidents() == [] and worker.store.delivery_counts() == {}


def occurrences(runtime: IncidentService) -> list[int]:
    """How often each incident's fault fired, in incident order."""
    return [row.occurrences for row in runtime.store.all()]


def test_signatures_and_timestamps(client: TestClient, worker: EmbeddedQueue,
                                   runtime: IncidentService) -> None:
    event = sentry_event(1)
    assert post_sentry(client, event, secret="wrong").status_code == 401
    stale = post_sentry(client, event, timestamp=time.time() - 301)
    assert stale.status_code == 401 and "stale" in stale.json()["detail"]
    unsigned = client.post("/webhooks/sentry", json=event)
    assert unsigned.status_code == 401 and "missing" in unsigned.json()["detail"]
    assert post_pagerduty(client, pagerduty_incident(), secrets=["guess"]).status_code == 401
    assert post_github(client, "ping", {"zen": "z"}, "d1", secret="guess").status_code == 401
    assert client.post("/webhooks/github", json={}).status_code == 401
    assert no_incidents(worker, runtime)


def test_bodies_over_the_limit(client: TestClient, worker: EmbeddedQueue,
                               runtime: IncidentService) -> None:
    big = {**sentry_event(1), "padding": "x" * 70_000}
    assert post_sentry(client, big).status_code == 413
    assert post_pagerduty(client, {**pagerduty_incident(), "pad": "x" * 70_000}).status_code \
        == 413
    assert post_github(client, "ping", {"pad": "x" * 70_000}, "d1").status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the stream is counted
        for _ in range(100):
            yield b"x" * 1024

    streamed = client.post("/webhooks/github", content=chunks())
    assert streamed.status_code == 413
    assert no_incidents(worker, runtime)


def test_not_json_and_unknown_shapes_say_why(client: TestClient, worker: EmbeddedQueue,
                                             runtime: IncidentService) -> None:
    not_json = post_sentry(client, b"{not json")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["detail"]
    shapeless = post_sentry(client, {"action": "triggered", "data": {}})
    assert shapeless.status_code == 400 and "not a Sentry alert" in shapeless.json()["detail"]
    assert post_sentry(client, [1, 2]).status_code == 400
    unknown = post_sentry(client, sentry_event(1), resource="mystery")
    assert unknown.status_code == 400 and "Sentry-Hook-Resource" in unknown.json()["detail"]
    v2 = post_pagerduty(client, {"messages": [{"event": "incident.trigger"}]})
    assert v2.status_code == 400 and "event_type" in v2.json()["detail"]
    pr = post_github(client, "pull_request", {"action": "closed", "repository": {}}, "d2")
    assert pr.status_code == 400 and "pull_request" in pr.json()["detail"]
    assert no_incidents(worker, runtime)


def test_ignored_resources_are_acknowledged_without_work(client: TestClient,
                                                         worker: EmbeddedQueue) -> None:
    assert post_sentry(client, {"action": "created"}, resource="installation").status_code == 202
    assert post_pagerduty(client, pagerduty_incident(
        event_type="incident.acknowledged")).json() == {"ignored": "incident.acknowledged"}
    assert post_github(client, "ping", {"zen": "z"}, "d3").status_code == 202
    assert worker.store.delivery_counts() == {}


def test_retries_are_exact_no_ops(client: TestClient, worker: EmbeddedQueue) -> None:
    event = sentry_event(1)
    first = post_sentry(client, event, request_id="req-1")
    again = post_sentry(client, event, request_id="req-2")  # same event, a redelivery
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"duplicate": True}
    incident = pagerduty_incident()
    assert post_pagerduty(client, incident, webhook_id="wh-9").status_code == 202
    assert post_pagerduty(client, incident, webhook_id="wh-9").json() == {"duplicate": True}
    assert worker.store.delivery_counts() in ({"pending": 2}, {"pending": 1, "done": 1},
                                              {"done": 2}, {"done": 1, "failed": 1},
                                              {"pending": 1, "failed": 1}, {"failed": 2})
    assert sum(worker.store.delivery_counts().values()) == 2


def test_retries_after_a_restart_are_no_ops(settings: Any, runtime: IncidentService) -> None:
    from agent.server.app import create_app

    event = sentry_event(1)
    for restart in range(2):  # the second app shares nothing with the first but the store
        app = create_app(settings)
        try:
            assert post_sentry(TestClient(app), event).status_code == (200 if restart else 202)
            assert app.state.worker.drain(30)
        finally:
            app.state.worker.close()
        assert runtime.store.delivery_counts() == {"done": 1}
    assert len(runtime.incidents()) == 1
    assert occurrences(runtime) == [1]


def test_one_incident_per_fault_and_throttled_comments(
        client: TestClient, worker: EmbeddedQueue, runtime: IncidentService) -> None:
    started = time.monotonic()
    for n in range(6):  # two faults, three occurrences each, lines and messages varying
        assert post_sentry(client, sentry_event(n, "charge" if n % 2 else "refund")) \
            .status_code == 202
    assert time.monotonic() - started < 6  # acknowledged without waiting for the work
    assert worker.drain(60)
    reports = runtime.incidents()
    assert len(reports) == 2
    assert occurrences(runtime) == [3, 3]
    assert worker.store.delivery_counts() == {"done": 6}
    # Within the comment interval the ticket gets no comment per occurrence.
    tracker = runtime.context(reports[0].state.repo).tracker  # type: ignore[union-attr]
    keys = [r.state.ticket.key for r in reports if r.state and r.state.ticket]
    comments = {key: len(tracker.comments(key)) for key in keys}  # type: ignore[attr-defined]
    worker.dispatcher.settings.occurrence_comment_interval_s = 0
    assert post_sentry(client, sentry_event(10, "charge")).status_code == 202
    assert post_sentry(client, sentry_event(12, "refund")).status_code == 202
    assert worker.drain(30)
    after = {key: len(tracker.comments(key)) for key in keys}  # type: ignore[attr-defined]
    assert all(after[key] == comments[key] + 1 for key in keys)
    last = tracker.comments(keys[0])[-1]  # type: ignore[attr-defined]
    assert "4 in all" in last


@pytest.fixture
def sentry_api(settings: Any) -> Iterator[SentryAPIStandIn]:
    with sentry_api_standin() as server:
        yield server


def test_pagerduty_and_sentry_issue_of_one_fault_share_an_incident(
        settings: Any, sentry_api: SentryAPIStandIn, runtime: IncidentService) -> None:
    from agent.server.app import create_app
    from tests.standins.pagerduty_api import pagerduty_api_standin

    with pagerduty_api_standin() as pagerduty_api:
        configured = reconfigured(
            settings, sentry_api_url=sentry_api.origin, sentry_api_token=sentry_api.token,
            pagerduty_api_url=pagerduty_api.origin, pagerduty_api_token=pagerduty_api.token)
        app = create_app(configured)
        client, worker = TestClient(app), app.state.worker
        try:
            sentry_api.add_issue("4711", sentry_event(3)["data"]["event"])
            issue = {"action": "created", "data": {"issue": {
                "id": "4711", "project": {"slug": "billing", "id": "7"}}}}
            assert post_sentry(client, issue, resource="issue").status_code == 202
            pagerduty_api.add_alerts("PT4KHLK", [{"details": {"traceback": TRACEBACK}}])
            assert post_pagerduty(client, pagerduty_incident()).status_code == 202
            resolved = pagerduty_incident(event_type="incident.resolved", event_id="01DEN7")
            assert post_pagerduty(client, resolved, webhook_id="wh-2").status_code == 202
            assert worker.drain(60)
            assert worker.store.delivery_counts() == {"done": 3}
            assert len(runtime.incidents()) == 1
            assert occurrences(runtime) == [2]
            assert sentry_api.paths("GET") == ["/api/0/issues/4711/events/latest/"]
            assert pagerduty_api.paths("GET") == ["/incidents/PT4KHLK/alerts"]
        finally:
            worker.close()


def test_ci_failure_on_the_default_branch(client: TestClient, worker: EmbeddedQueue,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The incident a CI failure starts runs the suite (RCA's business, and slow): here only
    # the routing is checked, so the dispatcher's alert step records instead of running.
    alerts: list[tuple[str, dict[str, Any], tuple[str, ...] | list[str]]] = []
    monkeypatch.setattr(worker.dispatcher, "alert",
                        lambda source, payload, names=(), *_: alerts.append(
                            (source, payload, names)))
    run: dict[str, Any] = {"action": "completed", "sender": {"login": "ci"},
           "repository": {"full_name": "acme/shop", "default_branch": "main"},
           "check_run": {"name": "tests", "conclusion": "failure", "head_sha": "abc",
                         "check_suite": {"head_branch": "main"}, "output": {"title": "1 failed"}}}
    assert post_github(client, "check_run", run, "d-ci-1").status_code == 202
    on_branch = {**run, "check_run": {**run["check_run"],
                                      "check_suite": {"head_branch": "feature"}}}
    assert post_github(client, "check_run", on_branch, "d-ci-2").json() == {
        "ignored": "event check_run"}
    assert worker.drain(10)
    assert alerts == [("ci", run, ("acme/shop",))]
    assert parse_alert("ci", run).source == "ci"


def test_unmapped_services_are_dropped_not_guessed(settings: Any,
                                                   runtime: IncidentService) -> None:
    from agent.server.app import create_app

    app = create_app(reconfigured(settings, services={}))
    try:
        assert post_sentry(TestClient(app), sentry_event(1)).status_code == 202
        assert app.state.worker.drain(30)
        assert runtime.incidents() == []
    finally:
        app.state.worker.close()


def test_a_worker_error_does_not_stop_the_worker(worker: EmbeddedQueue) -> None:
    for n, job in enumerate([Job(kind="alert", source="sentry", payload={"not": "an alert"}),
                             Job(kind="alert", source="nagios", payload={})]):
        assert worker.store.add_delivery(f"test:{n}", "test", job.model_dump_json())
        worker.submit("delivery", f"test:{n}")
    assert worker.drain(30)
    assert worker.store.delivery_counts() == {"failed": 2}
    assert worker.store.delivery("test:0").job == ""  # the raw payload is not kept
    with pytest.raises(AlertParseError):
        worker.dispatcher.handle(Job(kind="alert", source="sentry", payload={}))


def test_comment_commands_are_authorised_by_github_when_the_app_is_configured(
        settings: Any, tmp_path: Any) -> None:
    from agent.server.dispatcher import Dispatcher, association_can_write
    from tests.standins.github import github_standin

    def submit(kind: str, key: str, incident: str | None) -> None:
        raise AssertionError("nothing is submitted here")

    assert Dispatcher.from_settings(settings, submit).can_write is association_can_write
    with github_standin(tmp_path / "gh") as gh:
        gh.create_repo("acme/shop")
        gh.repos["acme/shop"].collaborators.update({"ana": "write", "bo": "read"})
        with_app = reconfigured(settings, github_app_id=gh.app_id,
                                github_private_key=gh.private_key_pem,
                                github_installation_id=gh.installation_id,
                                github_api_url=gh.api_url)
        can_write = Dispatcher.from_settings(with_app, submit).can_write
        assert can_write("acme/shop", "ana", "NONE")  # GitHub says write, whatever the payload
        assert not can_write("acme/shop", "bo", "OWNER")  # a payload's claim is not enough
        assert not can_write("acme/shop", "stranger", "COLLABORATOR")
