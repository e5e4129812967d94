"""The first sighting comes from the monitor: the Sentry issue's firstSeen (read through
`SentryClient` from the API, or from a case's recorded answer), the PagerDuty incident's
created_at; RCA places the fault against the deploys with it, not with this event's time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.rca.analyse import Options, analyse
from agent.rca.timeline import first_sighting
from evals.recorded_api import complete_payload
from tests.rca.history import History
from tests.standins.sentry_api import SentryAPIStandIn, sentry_api_standin
from tests.tools.test_monitors_parsers import _pd
from tools.monitors import parse_alert
from tools.monitors.sentry import SentryClient

OPTIONS = Options(default_ref="main", prefixes=["/srv/app/"])
ORDERS = 'def record(row):\n    return {"user": row["uid"], "total": row["total"]}\n'
BILLING = '''from shop.orders import record


def invoice_line(row):
    order = record(row)
    owner = order["user"]
    return f"{owner}: {order['total']}"
'''


@pytest.fixture
def sentry_api() -> Iterator[SentryAPIStandIn]:
    with sentry_api_standin() as server:
        yield server


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _event(history: History, when: datetime) -> dict[str, Any]:
    frame = history.frame("shop/billing.py", "invoice_line", 'owner = order["user"]')
    return {
        "event_id": "e1", "issue_id": "4711", "release": history.head,
        "environment": "production", "timestamp": when.timestamp(), "title": "KeyError: 'user'",
        "exception": {"values": [{"type": "KeyError", "value": "'user'", "stacktrace": {
            "frames": [{"filename": frame.filename, "abs_path": frame.abs_path,
                        "module": frame.module, "function": frame.function,
                        "lineno": frame.lineno, "context_line": frame.context_line,
                        "in_app": True}]}}]}}


def _history(tmp_path: Path) -> tuple[History, str, str]:
    """deploy-2 renames the key (the culprit); a day later deploy-3 edits the crashing line
    while the fault is already there."""
    history = History(tmp_path / "shop")
    history.commit("Orders and billing", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                          "shop/billing.py": BILLING})
    history.deploy()
    history.clock += timedelta(days=5)
    culprit = history.edit("Orders: user_id", "shop/orders.py", '"user": row', '"user_id": row')
    history.deploy()
    history.clock += timedelta(days=1)
    later = history.edit("Billing: say whose invoice", "shop/billing.py",
                         'owner = order["user"]', 'owner = order["user"]  # the buyer')
    history.deploy()
    return history, culprit, later


def test_first_seen_from_the_sentry_issue_api_places_the_fault(
        tmp_path: Path, sentry_api: SentryAPIStandIn) -> None:
    history, culprit, later = _history(tmp_path)
    deploys = history.deploys()
    first_seen = deploys[1].deployed_at + timedelta(minutes=25)
    event = _event(history, deploys[2].deployed_at + timedelta(hours=3))
    sentry_api.add_issue("4711", event, first_seen=_stamp(first_seen))
    webhook = {"action": "triggered", "data": {"event": event, "triggered_rule": "new"}}

    client = SentryClient(sentry_api.origin, sentry_api.token)
    alert = parse_alert("sentry", client.with_issue(webhook))
    assert sentry_api.paths("GET") == ["/api/0/issues/4711/"]
    assert alert.first_seen == first_seen and alert.occurred_at > first_seen

    rc = analyse(alert, history.repo, deploys, OPTIONS)
    assert rc.suspects[0].sha == culprit
    assert rc.running_deploy and rc.running_deploy.name == "deploy-2"
    assert rc.first_seen == first_seen and rc.first_seen_known
    assert "the Sentry issue's first-seen" in rc.explanation
    edited = next(s for s in rc.suspects if s.sha == later)
    assert "after-first-sighting" in edited.kinds

    # The same event without the issue: this event's time stands in, under deploy-3, and the
    # edit of the crashing line wins. The first-seen is what tells them apart.
    bare = parse_alert("sentry", webhook)
    assert bare.first_seen is None
    assert analyse(bare, history.repo, deploys, OPTIONS).suspects[0].sha == later


def test_an_issue_webhook_carries_its_first_seen(sentry_api: SentryAPIStandIn,
                                                 tmp_path: Path) -> None:
    history, _, _ = _history(tmp_path)
    when = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    sentry_api.add_issue("4711", _event(history, when + timedelta(days=1)))
    webhook = {"action": "created", "data": {"issue": {
        "id": "4711", "firstSeen": "2026-11-09T08:30:00Z", "project": {"slug": "shop"}}}}
    alert = parse_alert("sentry", SentryClient(sentry_api.origin,
                                               sentry_api.token).issue_alert(webhook))
    assert alert.first_seen == when


def test_first_seen_from_a_recorded_sentry_issue(tmp_path: Path) -> None:
    history, culprit, _ = _history(tmp_path)
    deploys = history.deploys()
    first_seen = deploys[1].deployed_at + timedelta(minutes=10)
    event = _event(history, deploys[2].deployed_at + timedelta(hours=1))
    api = tmp_path / "api"
    (api / "sentry" / "issues").mkdir(parents=True)
    (api / "sentry" / "issues" / "4711.json").write_text(json.dumps(
        {"id": "4711", "firstSeen": _stamp(first_seen), "lastSeen": _stamp(first_seen)}))
    webhook = {"action": "triggered", "data": {"event": event}}
    alert = parse_alert("sentry", complete_payload("sentry", webhook, api))
    assert alert.first_seen == first_seen
    assert analyse(alert, history.repo, deploys, OPTIONS).suspects[0].sha == culprit
    other = {"action": "triggered", "data": {"event": {**event, "issue_id": "999"}}}
    assert complete_payload("sentry", other, api) is other  # nothing recorded: as it was


def test_a_pagerduty_incident_was_first_seen_when_it_was_created() -> None:
    payload = _pd()
    payload["event"]["data"]["created_at"] = "2026-11-09T08:30:00Z"
    payload["event"]["occurred_at"] = "2026-11-09T09:45:00Z"
    alert = parse_alert("pagerduty", payload)
    assert alert.first_seen == datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    assert alert.occurred_at == datetime(2026, 11, 9, 9, 45, tzinfo=UTC)


def test_the_monitors_first_seen_is_known_even_a_little_after_the_event() -> None:
    event_time = datetime(2026, 8, 19, 17, 0, tzinfo=UTC)
    alert = parse_alert("pagerduty", _pd()).model_copy(update={
        "occurred_at": event_time, "first_seen": event_time + timedelta(seconds=2)})
    sighting = first_sighting(alert)
    assert (sighting.when, sighting.known) == (event_time, True)
    assert sighting.source == "the PagerDuty incident's creation time"
    bare = alert.model_copy(update={"first_seen": None})
    assert first_sighting(bare).known is False
    counted = first_sighting(bare, event_time - timedelta(hours=5))
    assert counted.known and counted.when == event_time - timedelta(hours=5)
