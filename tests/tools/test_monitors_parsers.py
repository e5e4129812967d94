"""Every source becomes the same Alert: Sentry shapes, PagerDuty, GitHub CI; GitHub events."""

from __future__ import annotations

from typing import Any

import pytest

from tools.monitors import github_events, parse_alert
from tools.monitors.github_events import (
    CIFailure,
    CommentCommand,
    DeploymentStatus,
    PullRequestClosed,
)
from tools.ports import AlertParseError

FRAMES = [
    {"filename": "shop/app.py", "abs_path": "/srv/app/shop/app.py", "module": "shop.app",
     "function": "handle_checkout", "lineno": 7, "in_app": True},
    {"filename": "shop/pricing.py", "abs_path": "/srv/app/shop/pricing.py",
     "module": "shop.pricing", "function": "loyalty_factor", "lineno": 9, "in_app": True,
     "context_line": '    tier = customer["tier"]', "vars": {"customer": {"id": "c-42"}}},
]
EVENT: dict[str, Any] = {
    "event_id": "ab12", "release": "9f3a2b1", "environment": "production", "project": 7,
    "timestamp": 1_795_000_000.5, "web_url": "https://sentry.example/issues/1/",
    "tags": [["service", "shop"]],
    "exception": {"values": [
        {"type": "ValueError", "value": "cause", "stacktrace": {"frames": []}},
        {"type": "KeyError", "value": "'tier'", "stacktrace": {"frames": FRAMES}}]},
}


@pytest.mark.parametrize("payload", [
    {"action": "triggered", "data": {"event": EVENT, "triggered_rule": "r"}},  # event_alert
    {"action": "created", "data": {"error": EVENT}},  # error resource
    {"id": "1", "project": "shop", "project_name": "Shop", "url": "https://s/1",
     "event": EVENT},  # legacy plugin
    EVENT,  # raw SDK event (the ingest)
], ids=["event_alert", "error", "legacy", "raw"])
def test_sentry_shapes_give_the_same_alert(payload: dict[str, Any]) -> None:
    alert = parse_alert("sentry", payload)
    assert (alert.source, alert.service, alert.environment, alert.release) == (
        "sentry", "shop", "production", "9f3a2b1")
    assert (alert.exception_type, alert.exception_message) == ("KeyError", "'tier'")
    assert alert.crash_frame and alert.crash_frame.function == "loyalty_factor"
    assert alert.crash_frame.vars == {"customer": {"id": "c-42"}}
    assert alert.occurred_at.year == 2026
    assert alert.raw == payload
    assert alert.fingerprint == parse_alert("sentry", EVENT).fingerprint


def test_sentry_iso_timestamps_and_unknown_shapes() -> None:
    alert = parse_alert("sentry", {**EVENT, "timestamp": "2026-11-22T10:00:00.5Z"})
    assert alert.occurred_at.isoformat().startswith("2026-11-22T10:00:00.5")
    with pytest.raises(AlertParseError, match="not a Sentry alert"):
        parse_alert("sentry", {"hello": "world"})
    with pytest.raises(AlertParseError):
        parse_alert("sentry", [1, 2])
    with pytest.raises(AlertParseError, match="unknown alert source"):
        parse_alert("nagios", {})


def _pd(event_type: str = "incident.triggered", **data: Any) -> dict[str, Any]:
    return {"event": {"id": "01DEN6", "event_type": event_type, "resource_type": "incident",
                      "occurred_at": "2026-11-22T10:00:00.000Z",
                      "data": {"id": "PT4KHLK", "number": 7, "status": "triggered",
                               "title": "Checkout failing for order 1234",
                               "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
                               "service": {"id": "PSHOP", "summary": "shop"}, **data}}}


def test_pagerduty_without_details_uses_the_title() -> None:
    alert = parse_alert("pagerduty", _pd())
    assert (alert.source, alert.service, alert.frames) == ("pagerduty", "shop", [])
    assert alert.exception_message == "Checkout failing for order 1234"
    assert alert.links == {"incident": "https://acme.pagerduty.com/incidents/PT4KHLK"}
    # The order number is volatile: another order, the same fault.
    other = parse_alert("pagerduty", _pd(title="Checkout failing for order 98"))
    assert other.fingerprint == alert.fingerprint


def test_pagerduty_traceback_in_details() -> None:
    traceback = ('Traceback (most recent call last):\n'
                 '  File "/srv/app/shop/pricing.py", line 9, in loyalty_factor\n'
                 '    tier = customer["tier"]\nKeyError: \'tier\'\n')
    payload = {**_pd(), "alerts": [{"body": {"details": {
        "release": "9f3a2b1", "environment": "production", "traceback": traceback}}}]}
    alert = parse_alert("pagerduty", payload)
    assert (alert.exception_type, alert.release, alert.environment) == (
        "KeyError", "9f3a2b1", "production")
    assert alert.crash_frame and alert.crash_frame.abs_path == "/srv/app/shop/pricing.py"


def test_pagerduty_unknown_shape() -> None:
    with pytest.raises(AlertParseError, match="event_type"):
        parse_alert("pagerduty", {"messages": []})  # the V2 webhook shape
    with pytest.raises(AlertParseError, match="no incident"):
        parse_alert("pagerduty", {"event": {"event_type": "service.updated",
                                            "resource_type": "service", "data": {}}})


REPO = {"full_name": "acme/shop", "default_branch": "main"}


def _check_run(conclusion: str = "failure", branch: str = "main",
               text: str = "") -> dict[str, Any]:
    return {"action": "completed", "repository": REPO, "sender": {"login": "ci-bot"},
            "check_run": {"name": "tests", "conclusion": conclusion, "head_sha": "abc123",
                          "html_url": "https://github.com/acme/shop/runs/1",
                          "completed_at": "2026-11-22T10:00:00Z",
                          "check_suite": {"head_branch": branch},
                          "output": {"title": "3 failed", "summary": "", "text": text}}}


def test_check_run_failure_on_the_default_branch_is_a_ci_alert() -> None:
    event = github_events.parse_event("check_run", _check_run())
    assert isinstance(event, CIFailure)
    alert = parse_alert("ci", event.payload)
    assert (alert.source, alert.service, alert.release) == ("ci", "acme/shop", "abc123")
    assert alert.title == "tests failed on main"
    # Another failing run of the same check is the same fault.
    again = _check_run()
    again["check_run"]["output"]["title"] = "5 failed"
    assert parse_alert("ci", again).fingerprint == alert.fingerprint
    assert github_events.parse_event("check_run", _check_run(branch="feature")) is None
    assert github_events.parse_event("check_run", _check_run(conclusion="success")) is None


def test_check_run_output_with_a_traceback_has_frames() -> None:
    text = ('Traceback (most recent call last):\n'
            '  File "/home/runner/work/shop/shop/shop/pricing.py", line 9, in loyalty_factor\n'
            '    tier = customer["tier"]\nKeyError: \'tier\'\n')
    alert = parse_alert("ci", _check_run(text=text))
    assert alert.exception_type == "KeyError"
    assert [f.function for f in alert.frames] == ["loyalty_factor"]


def test_workflow_run_failure() -> None:
    payload = {"action": "completed", "repository": REPO,
               "workflow_run": {"name": "CI", "conclusion": "timed_out", "head_branch": "main",
                                "head_sha": "def456"}}
    assert isinstance(github_events.parse_event("workflow_run", payload), CIFailure)
    assert parse_alert("ci", payload).release == "def456"


def test_pull_request_deployment_and_comment_events() -> None:
    closed = {"action": "closed", "number": 5, "repository": REPO, "sender": {"login": "ana"},
              "pull_request": {"number": 5, "merged": True, "merge_commit_sha": "m1",
                               "head": {"ref": "alertfix/af-1-keyerror"}}}
    assert github_events.parse_event("pull_request", closed) == PullRequestClosed(
        "acme/shop", 5, "alertfix/af-1-keyerror", True, "m1", "ana")
    assert github_events.parse_event("pull_request", {**closed, "action": "opened"}) is None
    deployed = {"repository": REPO, "deployment": {"sha": "m1", "environment": "production"},
                "deployment_status": {"state": "success", "environment": "production"}}
    assert github_events.parse_event("deployment_status", deployed) == DeploymentStatus(
        "acme/shop", "success", "m1", "production")
    comment: dict[str, Any] = {"action": "created", "repository": REPO,
               "issue": {"number": 5, "pull_request": {"url": "u"}},
               "comment": {"body": "thanks!\n/alertfix explain please", "user": {"login": "bo"},
                           "author_association": "MEMBER"}}
    assert github_events.parse_event("issue_comment", comment) == CommentCommand(
        "acme/shop", 5, "explain", "bo", "MEMBER")
    not_a_pr = {**comment, "issue": {"number": 6}}
    assert github_events.parse_event("issue_comment", not_a_pr) is None
    chatter = {**comment, "comment": {**comment["comment"], "body": "lgtm"}}
    assert github_events.parse_event("issue_comment", chatter) is None
    with pytest.raises(AlertParseError, match="pull_request"):
        github_events.parse_event("pull_request", {"action": "closed", "repository": REPO})
    assert github_events.parse_event("ping", {"zen": "Keep it logically awesome."}) is None


def test_the_event_level_is_the_alert_severity() -> None:
    from tools.monitors.sentry import parse_event

    event = {"event_id": "e1", "level": "Warning",
             "exception": {"values": [{"type": "KeyError", "value": "'x'"}]}}
    assert parse_event(event).severity == "warning"
    assert parse_event({**event, "level": None}).severity == "error"
