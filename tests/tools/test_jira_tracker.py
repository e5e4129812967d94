"""The Jira tracker, driving the real `jira` client against the Jira stand-in."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.standins.jira import (
    ALL_PERMISSIONS,
    DEFAULT_WORKFLOW,
    JiraStandIn,
    Transition,
    jira_standin,
)
from tools.doctor import Finding, check_jira, format_findings
from tools.ports import (
    Refused,
    TicketDraft,
    TicketStatus,
    Tracker,
    TrackerNotFound,
    TrackerRefused,
    TrackerUnavailable,
    Unavailable,
)
from tools.tracker.jira import JiraTracker, RetryPolicy, fingerprint_label

DRAFT = TicketDraft(title="ZeroDivisionError in cart.total", body="stack…", fingerprint="a1b2c3",
                    labels=["service:shop"], severity="fatal")


@pytest.fixture
def jira() -> Iterator[JiraStandIn]:
    with jira_standin() as server:
        yield server


def tracker(server: JiraStandIn, sleeps: list[float] | None = None, *, cloud: bool = False,
            **kw: object) -> JiraTracker:
    policy = RetryPolicy(attempts=3, backoff=0.01, max_wait=5.0,
                         sleep=sleeps.append if sleeps is not None else lambda s: None)
    auth: dict[str, str] = ({"email": server.email, "api_token": server.api_token} if cloud
                            else {"personal_access_token": server.pat})
    return JiraTracker(url=server.url, project=server.project, retry=policy,
                       **auth, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("deployment", ["Server", "Cloud"])
def test_ticket_lifecycle(deployment: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with jira_standin(deployment_type=deployment) as server:
        t: Tracker = tracker(server, cloud=deployment == "Cloud")
        assert t.find("a1b2c3") is None
        ticket = t.create(DRAFT)
        assert (ticket.key, ticket.status, ticket.fingerprint) == ("SHOP-1", "Open", "a1b2c3")
        assert ticket.url == f"{server.url}/browse/SHOP-1"
        stored = server.issue("SHOP-1").fields
        assert stored["priority"] == {"name": "Highest"}
        assert stored["labels"] == ["alertfix", "alertfix-fp-a1b2c3", "service:shop"]
        assert t.create(DRAFT) == ticket  # found by fingerprint, not created twice
        assert t.find("a1b2c3") == ticket and len(server.issues) == 1

        t.comment("SHOP-1", "Root cause: empty cart")
        assert t.transition("SHOP-1", TicketStatus.IN_PROGRESS).status == "In Progress"
        assert t.transition("SHOP-1", TicketStatus.IN_REVIEW).status == "In Review"
        assert t.transition("SHOP-1", TicketStatus.IN_REVIEW).status == "In Review"  # no-op
        closed = t.close("SHOP-1", "Verified: no events for 30 minutes")
        assert closed.status == "Done"
        assert server.issue("SHOP-1").fields["resolution"] == {"name": "Fixed"}
        assert [c["body"] for c in server.issue("SHOP-1").comments] == [
            "Root cause: empty cart", "Verified: no events for 30 minutes"]

        reopened = t.transition("SHOP-1", TicketStatus.REOPENED)
        assert reopened.status == "Reopened" and reopened.fingerprint == "a1b2c3"
        assert server.issue("SHOP-1").fields["resolution"] is None
        assert server.api_token not in caplog.text and server.pat not in caplog.text


def test_recurrence_after_done_opens_a_new_ticket_and_find_returns_the_newest(
    jira: JiraStandIn,
) -> None:
    t = tracker(jira)
    first = t.create(DRAFT)
    t.close(first.key, "fixed")
    second = t.create(DRAFT)
    assert second.key != first.key
    assert t.find(DRAFT.fingerprint) == second


def test_fingerprint_labels_are_valid_jira_labels() -> None:
    assert fingerprint_label("abc-123") == "alertfix-fp-abc-123"
    odd = fingerprint_label("ZeroDivisionError at cart.py:12 \"total\"")
    assert " " not in odd and '"' not in odd and len(odd) == len("alertfix-fp-") + 40


def test_team_workflow_mapping_and_missing_transition(jira: JiraStandIn) -> None:
    t = tracker(jira, transitions={"In Review": "Send to Review", "Done": "Resolve"})
    key = t.create(DRAFT).key
    assert t.transition(key, TicketStatus.IN_REVIEW).status == "In Review"
    with pytest.raises(TrackerRefused, match="'Resolve' → 'Done'"):
        t.transition(key, TicketStatus.REOPENED)  # only from Done; names the options


def test_done_without_a_resolution_screen(tmp_path: object) -> None:
    workflow = [*DEFAULT_WORKFLOW[:2], Transition("31", "Done", "Done"), DEFAULT_WORKFLOW[3]]
    with jira_standin(workflow=workflow) as server:
        t = tracker(server)
        key = t.create(DRAFT).key
        assert t.close(key, "").status == "Done"  # no resolution sent, no 400


def test_wrong_credentials(jira: JiraStandIn) -> None:
    bad = JiraTracker(url=jira.url, project="SHOP", email=jira.email, api_token="nope")
    with pytest.raises(TrackerRefused, match="API token"):
        bad.find("x")
    with pytest.raises(TrackerRefused, match="personal access token"):
        JiraTracker(url=jira.url, project="SHOP", personal_access_token="nope").find("x")


def test_missing_permissions_are_named() -> None:
    with (jira_standin(permissions=ALL_PERMISSIONS - {"CREATE_ISSUES"}) as server,
          pytest.raises(TrackerRefused, match="CREATE_ISSUES")):
        tracker(server).create(DRAFT)
    with jira_standin(permissions=ALL_PERMISSIONS - {"ADD_COMMENTS"}) as server:
        t = tracker(server)
        key = t.create(DRAFT).key
        with pytest.raises(TrackerRefused, match="ADD_COMMENTS"):
            t.comment(key, "x")


def test_unknown_ticket_project_and_invalid_fields(jira: JiraStandIn) -> None:
    with pytest.raises(TrackerNotFound, match="SHOP-99"):
        tracker(jira).transition("SHOP-99", TicketStatus.DONE)
    with pytest.raises(TrackerRefused, match="issue type"):
        tracker(jira, issue_type="Incident").create(DRAFT)
    with pytest.raises(TrackerRefused, match="priority"):
        tracker(jira, priorities={"fatal": "Blocker"}).create(DRAFT)


def test_rate_limit_honours_retry_after_within_a_bound(jira: JiraStandIn) -> None:
    sleeps: list[float] = []
    t = tracker(jira, sleeps)
    t.find("warm-up")
    jira.fail("GET", r"/search$", status=429, headers={"Retry-After": "2"})
    jira.fail("GET", r"/search$", status=503, headers={"Retry-After": "1"})
    assert t.find("x") is None
    assert sleeps == [2.0, 1.0]
    jira.fail("POST", r"/issue$", status=429, headers={"Retry-After": "600"})
    with pytest.raises(Unavailable, match="600s") as caught:
        t.create(DRAFT)
    # One contract for every port: the kind, the port, and the wait the service asked for.
    assert isinstance(caught.value, TrackerUnavailable) and caught.value.port == "tracker"
    assert caught.value.retry_after == 600.0
    assert sleeps == [2.0, 1.0] and not jira.issues


def test_connection_errors_back_off_then_escalate(jira: JiraStandIn) -> None:
    sleeps: list[float] = []
    t = tracker(jira, sleeps)
    jira.fail("GET", r"/serverInfo$", drop=True, times=2)
    assert t.find("x") is None  # connected on the third try
    assert sleeps == [0.01, 0.02]
    jira.fail("POST", r"/comment$", drop=True, times=3)
    key = t.create(DRAFT).key
    with pytest.raises(TrackerUnavailable, match="after 3 tries"):
        t.comment(key, "x")
    jira.fail("GET", r"/search$", status=500, times=3)
    with pytest.raises(TrackerUnavailable, match="500"):
        t.find("y")


def test_unreachable_jira_is_unavailable() -> None:
    server = JiraStandIn()
    server.start()
    url = server.url
    server.stop()  # nothing listens on that port any more
    t = JiraTracker(url=url, project="SHOP", personal_access_token="x",
                    retry=RetryPolicy(attempts=2, backoff=0.0, sleep=lambda s: None))
    with pytest.raises(TrackerUnavailable, match="Could not reach Jira"):
        t.create(DRAFT)


def test_every_refusal_is_one_kind(jira: JiraStandIn) -> None:
    bad = JiraTracker(url=jira.url, project="SHOP", personal_access_token="wrong",
                      retry=RetryPolicy(attempts=1, sleep=lambda s: None))
    with pytest.raises(Refused) as caught:
        bad.find("x")
    assert caught.value.port == "tracker" and caught.value.retry_after is None


# ---------------------------------------------------------------- doctor


def jira_doctor(server: JiraStandIn, **kw: object) -> list[Finding]:
    args: dict[str, object] = {"url": server.url, "project": server.project,
                               "personal_access_token": server.pat,
                               "retry": RetryPolicy(attempts=1), **kw}
    return check_jira(**args)  # type: ignore[arg-type]


def test_doctor_all_good(jira: JiraStandIn) -> None:
    findings = jira_doctor(jira)
    assert all(f.ok for f in findings), format_findings(findings)
    assert {"authentication", "project", "issue type", "permission CREATE_ISSUES",
            "priorities", "resolution"} <= {f.check for f in findings}


def test_doctor_reports_each_problem_with_a_fix() -> None:
    with jira_standin(permissions=ALL_PERMISSIONS - {"TRANSITION_ISSUES"}) as server:
        failed = {f.check: f for f in jira_doctor(
            server, issue_type="Incident", priorities={"fatal": "Blocker"},
            resolution="Resolved") if not f.ok}
        assert set(failed) == {"issue type", "permission TRANSITION_ISSUES", "priorities",
                               "resolution"}
        assert "Transition Issues" in failed["permission TRANSITION_ISSUES"].fix
        assert "Blocker" in failed["priorities"].message

        assert [(f.check, f.ok) for f in jira_doctor(server, project="NOPE")][-1] == (
            "project", False)
        bad = jira_doctor(server, personal_access_token=None, email=server.email,
                          api_token="wrong")
        assert [(f.check, f.ok) for f in bad] == [("authentication", False)]
        assert "API token" in bad[0].message
        assert [f.check for f in jira_doctor(server, personal_access_token=None)] == [
            "configuration"]
