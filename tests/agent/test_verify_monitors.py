"""verify → close | reopen against the monitors' stand-ins, through a compiled graph with a
checkpointer so that the durable wait and its resume are the real ones.

The deploy is placed in the past (two hours ago), so that each case is decided by the counts
the stand-ins hold, not by how fast this machine runs.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import git
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from agent.context import Context, build_context
from agent.graph import after_verify
from agent.incidents.service import IncidentService
from agent.incidents.waits import Tick
from agent.nodes.finish import close, escalate, reopen
from agent.nodes.verify import verify
from agent.settings import Settings
from agent.state import IncidentState, RepoRef
from tests.standins._http import StandInServer, json_response
from tests.standins.jira import jira_standin
from tests.standins.metrics_api import prometheus_standin
from tests.standins.pagerduty_api import pagerduty_api_standin
from tests.standins.sentry_api import SentryAPIStandIn, sentry_api_standin
from tools.ports import Alert, Deploy, PullRequestInfo, TicketDraft, TicketStatus
from tools.tracker.jira import JiraTracker
from tools.tracker.local import LocalTracker

NOW = datetime.now(UTC).replace(microsecond=0)
DEPLOYED = NOW - timedelta(hours=2)


def _graph() -> Any:
    graph = StateGraph(IncidentState, context_schema=Context)
    graph.add_node("verify", verify)
    graph.add_node("close", close)
    graph.add_node("reopen", reopen)
    graph.add_node("escalate", escalate)  # where a refusing service sends an incident
    graph.add_edge(START, "verify")
    graph.add_conditional_edges("verify", after_verify)
    graph.add_edge("close", END)
    graph.add_edge("reopen", END)
    graph.add_edge("escalate", END)
    return graph.compile(checkpointer=InMemorySaver())


@pytest.fixture
def sentry() -> Iterator[SentryAPIStandIn]:
    with sentry_api_standin() as server:
        server.add_issue("42", {"event_id": "1" * 32, "title": "KeyError: 'guest'",
                                "timestamp": (NOW - timedelta(hours=8)).isoformat()})
        server.page_size = 25
        # 41 events in the six hours before the deploy.
        server.add_events("42", [DEPLOYED - timedelta(minutes=8 * n + 5) for n in range(41)])
        server.add_release("deploy-3", [{"environment": "production",
                                         "dateFinished": DEPLOYED.isoformat()}])
        yield server


def _settings(tmp_path: Path, **more: Any) -> Settings:
    values: dict[str, Any] = {"verify_window_s": 600, "verify_max_window_s": 86400,
                              "verify_retry_s": 60, **more}
    return Settings(home=tmp_path / ".alertfix", test_timeout_s=60, **values)


def _sentry_settings(tmp_path: Path, sentry: SentryAPIStandIn, **more: Any) -> Settings:
    return _settings(tmp_path, sentry_api_url=sentry.origin, sentry_api_token=sentry.token,
                     sentry_org="acme", verify_resolve_in_monitor=True, **more)


def _state(context: Context, repo: RepoRef, alert: Alert) -> IncidentState:
    ticket = context.tracker.create(TicketDraft(title="KeyError in checkout", body="b",
                                                fingerprint=alert.fingerprint))
    if isinstance(context.tracker, LocalTracker):
        context.tracker.transition(ticket.key, TicketStatus.IN_PROGRESS)
        ticket = context.tracker.transition(ticket.key, TicketStatus.IN_REVIEW)
    sha = git.Repo(context.forge.clone_url()).commit(repo.default_branch).hexsha
    return IncidentState(
        incident_id="inc-1", source=alert.source, repo=repo, alert=alert,
        ticket=ticket, review="approved",
        pull_request=PullRequestInfo(number=3, branch="alertfix/fix", base="main",
                                     title="Fix", status="merged", url="alertfix://pulls/3",
                                     merge_commit=sha),
        deploy=Deploy(name="deploy-3", sha=sha, deployed_at=DEPLOYED))


def _sentry_alert() -> Alert:
    return Alert(source="sentry", service="shop", environment="production", fingerprint="f" * 32,
                 title="KeyError: 'guest'", occurred_at=NOW - timedelta(hours=8),
                 first_seen=NOW - timedelta(hours=8), raw={"data": {"event": {"issue_id": "42"}}})


def _run(settings: Settings, shop: Path, alert: Alert,
         context_change: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any], Context]:
    repo = IncidentService(settings).register_local_repo(shop)
    context = dataclasses.replace(build_context(settings, repo), **(context_change or {}))
    graph, config = _graph(), {"configurable": {"thread_id": "inc-1"}}
    result = graph.invoke(_state(context, repo, alert), config, context=context)
    return graph, result, context


def test_a_pass_closes_verified_with_the_chart_and_resolves_in_the_release(
        tmp_path: Path, shop: Path, sentry: SentryAPIStandIn) -> None:
    sentry.fail("GET", r"/events/$", times=1, status=429, headers={"Retry-After": "0"})
    _, result, context = _run(_sentry_settings(tmp_path, sentry), shop, _sentry_alert())
    verification = result["verification"]
    assert result["outcome"] == "closed" and verification.verdict == "verified"
    assert "seen 41 times in 6 h before; 0 in 2 h after; p ≈ 1e-6" in verification.detail
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker)
    comment = tracker.comments("AF-1")[-1]
    assert comment.startswith("**Fixed and verified by alertfix.**")
    assert "Watched for 2 h after the deploy (at the fault's rate before the deploy, 26 min " \
        "without it makes the chance of that, were it still there, less than 0.05)" in comment
    assert "Sentry issue 42 marked resolved in release deploy-3" in comment
    [chart] = tracker.attachments("AF-1")
    assert chart.name == "verification-deploy-3.svg" and chart.as_uri() in comment
    ET.fromstring(chart.read_text())  # a well-formed SVG
    assert sentry.resolutions == [("42", {"status": "resolved",
                                          "statusDetails": {"inRelease": "deploy-3"}})]
    assert tracker.get("AF-1").status == TicketStatus.DONE


def test_a_regression_after_the_deploy_reopens_with_the_new_events(
        tmp_path: Path, shop: Path, sentry: SentryAPIStandIn) -> None:
    sentry.add_events("42", [DEPLOYED + timedelta(minutes=m) for m in (20, 45, 70)])
    _, result, context = _run(_sentry_settings(tmp_path, sentry), shop, _sentry_alert())
    verification = result["verification"]
    assert result["outcome"] == "reopened" and verification.verdict == "regressed"
    assert verification.new_events == 3 and len(verification.new_event_links) == 3
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker)
    assert tracker.get("AF-1").status == TicketStatus.REOPENED
    comment = tracker.comments("AF-1")[-1]
    assert comment.startswith("**Verification failed after deploy.**")
    assert "3 in 2 h after: the fault is back" in comment
    for link in verification.new_event_links:
        assert urlparse(link).path.startswith("/issues/42/events/") and link in comment
    assert tracker.attachments("AF-1") and not sentry.resolutions


def test_a_low_traffic_fault_waits_its_window_then_closes_not_verified(
        tmp_path: Path, shop: Path) -> None:
    with sentry_api_standin() as sentry:
        sentry.add_issue("42", {"event_id": "1" * 32, "title": "KeyError: 'guest'",
                                "timestamp": (NOW - timedelta(days=6)).isoformat()})
        sentry.add_events("42", [DEPLOYED - timedelta(days=d) for d in (1, 3, 6)])
        alert = _sentry_alert().model_copy(update={"first_seen": NOW - timedelta(days=6)})
        # Three in six days: a 5% chance of silence needs ~6 days, beyond the 24 h maximum.
        _, result, context = _run(_sentry_settings(tmp_path, sentry), shop, alert)
        [pending] = result["__interrupt__"]
        assert pending.value["waiting_for"] == "verification window"
        assert datetime.fromisoformat(pending.value["due"]) == DEPLOYED + timedelta(hours=24)
        assert "not yet below 0.05" in pending.value["reading"]
        # The same incident once the maximum has passed (a setting of 1 h here).
        short = _sentry_settings(tmp_path / "again", sentry, verify_max_window_s=3600)
        _, result, context = _run(short, shop, alert)
    verification = result["verification"]
    assert result["outcome"] == "closed" and verification.verdict == "unverified"
    assert verification.passed and verification.p_value and verification.p_value > 0.05
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker)
    comment = tracker.comments("AF-1")[-1]
    assert comment.startswith("**Fixed, not verified by traffic.**")
    assert "Fixed and verified" not in comment and "the maximum window ended first" in comment


def test_a_monitor_outage_delays_verification_and_a_tick_retries(
        tmp_path: Path, shop: Path, sentry: SentryAPIStandIn) -> None:
    sentry.fail("GET", r"/events/$", times=6, status=503)  # two reads of three attempts
    graph, result, context = _run(_sentry_settings(tmp_path, sentry), shop, _sentry_alert())
    [pending] = result["__interrupt__"]
    assert pending.value["delayed"] == ("verification delayed: Sentry GET "
                                        "organizations/acme/issues/42/events/ answered 503 "
                                        "after 3 tries")
    assert datetime.fromisoformat(pending.value["due"]) >= NOW + timedelta(seconds=60)
    assert "verification" not in result or result["verification"] is None
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker)
    assert tracker.get("AF-1").status == TicketStatus.IN_REVIEW  # no pass, no reopen
    [told] = [c for c in tracker.comments("AF-1") if "Verification delayed" in c]
    assert "answered 503" in told and "never counts as a pass" in told
    # Still down at the next tick: still delayed. (The resumed run reads, finds the monitor
    # down, and waits anew: two reads of three attempts each.)
    sentry.fail("GET", r"/events/$", times=6, status=503)
    config = {"configurable": {"thread_id": "inc-1"}}
    result = graph.invoke(Command(resume=Tick().model_dump()), config, context=context)
    assert result["__interrupt__"][0].value["delayed"].startswith("verification delayed")
    assert len([c for c in tracker.comments("AF-1") if "Verification delayed" in c]) == 1
    # Back up: the next tick verifies and closes.
    result = graph.invoke(Command(resume=Tick().model_dump()), config, context=context)
    assert result["outcome"] == "closed" and result["verification"].verdict == "verified"
    summaries = [e.summary for e in result["timeline"] if e.stage == "verify"]
    assert any(s.startswith("verification delayed") for s in summaries)


def test_jira_gets_the_chart_as_an_attachment(tmp_path: Path, shop: Path,
                                             sentry: SentryAPIStandIn) -> None:
    with jira_standin() as jira:
        tracker = JiraTracker(url=jira.url, project=jira.project, email=jira.email,
                              api_token=jira.api_token)
        _, result, _ = _run(_sentry_settings(tmp_path, sentry), shop, _sentry_alert(),
                            {"tracker": tracker})
        key = result["ticket"].key
        assert jira.status_of(key) == "Done"
        [attachment] = jira.issue(key).attachments
        assert attachment["filename"] == "verification-deploy-3.svg"
        ET.fromstring(attachment["data"])
        assert "!verification-deploy-3.svg!" in jira.issue(key).comments[-1]["body"]


def test_pagerduty_with_an_error_rate_metric_and_health_checks(tmp_path: Path,
                                                               shop: Path) -> None:
    query = 'sum(rate(http_requests_total{job="shop",code=~"5.."}[5m]))'
    fault_start = DEPLOYED - timedelta(hours=3)
    service = git.Repo(shop)
    service_up = StandInServer()
    service_up.route("GET", "/healthz", lambda req: json_response(200, {"status": "ok"}))
    with prometheus_standin() as prom, pagerduty_api_standin() as pd, service_up.running():
        health = f"{service_up.origin}/healthz"
        (shop / ".github").mkdir(exist_ok=True)
        (shop / ".github" / "alertfix.yml").write_text(
            f"verification:\n  services:\n    checkout:\n      error_rate: {{prometheus: "
            f"'{query}'}}\n      health_checks: ['{health}']\n")
        service.index.add([".github/alertfix.yml"])
        service.index.commit("verification checks")
        # Other errors run at 0.02/s; the fault added 0.5/s until the deploy.
        prom.add_series(query, lambda t: 0.02 + (0.5 if fault_start.timestamp() <= t
                                                  < DEPLOYED.timestamp() else 0.0))
        pd.add_incident("PT4KHLK", "shop-checkout", fault_start)
        pd.add_alert_at("PT4KHLK", fault_start)  # one alert: too rare to verify by itself
        alert = Alert(source="pagerduty", service="checkout", fingerprint="e" * 32,
                      title="checkout errors", occurred_at=fault_start, first_seen=fault_start,
                      raw={"event": {"data": {"id": "PT4KHLK", "incident_key": "shop-checkout"}}})
        settings = _settings(tmp_path, pagerduty_api_url=pd.origin,
                             pagerduty_api_token=pd.token, prometheus_url=prom.origin)
        _, result, _ = _run(settings, shop, alert)
    verification = result["verification"]
    assert result["outcome"] == "closed" and verification.verdict == "verified", \
        verification.detail
    assert verification.monitor == "pagerduty"
    # 0.52/s for 3 h; back to the 0.02/s of other errors (about 144 in the 2 h since).
    assert "prometheus error rate (sum(rate(http_requests_total" in verification.detail
    assert "5616 errors in 3 h before;" in verification.detail and "p < 1e-12" in \
        verification.detail
    assert f"health check {health}: 200" in verification.detail
    assert "pagerduty (PagerDuty incident PT4KHLK, dedup key shop-checkout): seen once in " \
        "3 h before; 0 in 2 h after; p ≈ 0.51" in verification.detail
    assert verification.chart  # the sightings' before/after series
