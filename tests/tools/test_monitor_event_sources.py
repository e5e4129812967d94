"""The monitors verify reads, driven through their real clients (httpx, datadog-api-client)
against stand-ins that page, rate limit and fail like the services do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.standins._http import StandInServer, json_response
from tests.standins.github import github_standin
from tests.standins.metrics_api import datadog_standin, prometheus_standin
from tests.standins.pagerduty_api import PagerDutyAPIStandIn, pagerduty_api_standin
from tests.standins.sentry_api import SentryAPIStandIn, sentry_api_standin
from tools.github_auth import GitHubApp
from tools.monitors.http import MonitorAPI, MonitorRefused, MonitorUnavailable
from tools.monitors.local import EventStore
from tools.monitors.metrics import Datadog, Prometheus
from tools.monitors.pagerduty_events import PagerDutyEvents
from tools.monitors.probes import GitHubChecks, health_check
from tools.monitors.sentry_events import SentryEvents
from tools.ports import Alert, Deploy

NOW = datetime.now(UTC).replace(microsecond=0)
DEPLOY = Deploy(name="deploy-7", sha="ab" * 20, deployed_at=NOW - timedelta(hours=2))
SENTRY_ALERT = Alert(source="sentry", fingerprint="f" * 32, environment="production",
                     title="KeyError: 'guest'", raw={"data": {"event": {"issue_id": "42"}}})
PD_ALERT = Alert(source="pagerduty", fingerprint="e" * 32, title="checkout errors", raw={
    "event": {"data": {"id": "PT4KHLK", "incident_key": "shop-checkout",
                       "html_url": "https://acme.pagerduty.example/incidents/PT4KHLK"}}})


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "events.db")


@pytest.fixture
def sentry() -> Iterator[SentryAPIStandIn]:
    with sentry_api_standin() as server:
        server.add_issue("42", {"event_id": "1" * 32, "title": "KeyError: 'guest'",
                                "timestamp": (NOW - timedelta(hours=8)).isoformat()})
        server.page_size = 10  # 41 events: five pages
        server.add_events("42", [DEPLOY.deployed_at - timedelta(minutes=8 * n + 1)
                                 for n in range(41)])
        yield server


def _sentry(server: SentryAPIStandIn, store: EventStore, org: str | None = "acme") -> SentryEvents:
    api = MonitorAPI("Sentry", server.origin + "/api/0",
                     {"Authorization": f"Bearer {server.token}"}, max_wait_s=1)
    return SentryEvents(api, org, store)


def test_sentry_reads_the_issue_events_across_pages_and_rate_limits(
        sentry: SentryAPIStandIn, store: EventStore) -> None:
    sentry.fail("GET", r"/events/$", times=1, status=429, headers={"Retry-After": "0"})
    before = _sentry(sentry, store).occurrences(
        SENTRY_ALERT, DEPLOY.deployed_at - timedelta(days=1), DEPLOY.deployed_at)
    assert before.count == 41 and len(before.times) == 41 and before.monitor == "sentry"
    event_pages = [p for p in sentry.paths("GET") if p.endswith("/events/")]
    assert len(event_pages) == 6  # the 429, then five pages of ten (the last one short)
    assert all(p == "/api/0/organizations/acme/issues/42/events/" for p in event_pages)
    # Without an organization the issue's own events endpoint answers.
    legacy = _sentry(sentry, store, org=None).occurrences(
        SENTRY_ALERT, DEPLOY.deployed_at - timedelta(days=1), DEPLOY.deployed_at)
    assert legacy.count == 41 and sentry.paths("GET")[-1] == "/api/0/issues/42/events/"


def test_sentry_reads_a_long_history_only_so_far_back(sentry: SentryAPIStandIn,
                                                      store: EventStore) -> None:
    api = MonitorAPI("Sentry", sentry.origin + "/api/0",
                     {"Authorization": f"Bearer {sentry.token}"})
    capped = SentryEvents(api, "acme", store, max_pages=2).occurrences(
        SENTRY_ALERT, DEPLOY.deployed_at - timedelta(days=1), DEPLOY.deployed_at)
    # Two pages of ten, newest first: the rate is theirs over the span they cover.
    assert (capped.count, capped.complete) == (20, False)
    assert capped.span_start == min(capped.times) == DEPLOY.deployed_at - timedelta(minutes=153)


def test_sentry_ties_the_window_to_the_release_and_links_new_events(
        sentry: SentryAPIStandIn, store: EventStore) -> None:
    finished = DEPLOY.deployed_at + timedelta(minutes=10)
    sentry.add_release(DEPLOY.name, [{"environment": "production",
                                      "dateFinished": finished.isoformat()}])
    # One event from the old code while the deploy rolled out, one after it finished.
    sentry.add_events("42", [DEPLOY.deployed_at + timedelta(minutes=5),
                             DEPLOY.deployed_at + timedelta(minutes=30)])
    after = _sentry(sentry, store).occurrences(SENTRY_ALERT, DEPLOY.deployed_at, NOW, DEPLOY)
    assert after.count == 1 and after.start == finished
    assert after.note == "Sentry issue 42, release deploy-7"
    assert after.links == [f"https://sentry.example/issues/42/events/{'42':0>8}{42:0>24}/"]


def test_sentry_resolves_the_issue_in_the_release(sentry: SentryAPIStandIn,
                                                  store: EventStore) -> None:
    sentry.add_release(DEPLOY.sha[:12], [])
    done = _sentry(sentry, store).resolve(SENTRY_ALERT, DEPLOY, "fixed by #3")
    assert done == f"Sentry issue 42 marked resolved in release {DEPLOY.sha[:12]}"
    assert sentry.resolutions == [("42", {"status": "resolved",
                                          "statusDetails": {"inRelease": DEPLOY.sha[:12]}})]


def test_sentry_down_is_unavailable_never_zero_events(sentry: SentryAPIStandIn,
                                                       store: EventStore) -> None:
    sentry.fail("GET", r"/events/$", times=3, status=503)
    with pytest.raises(MonitorUnavailable, match="answered 503") as raised:
        _sentry(sentry, store).occurrences(SENTRY_ALERT, DEPLOY.deployed_at, NOW, DEPLOY)
    assert raised.value.port == "monitor"
    sentry.fail("GET", r"/events/$", times=1, status=429, headers={"Retry-After": "120"})
    with pytest.raises(MonitorUnavailable) as limited:  # too long to wait in place
        _sentry(sentry, store).occurrences(SENTRY_ALERT, DEPLOY.deployed_at, NOW)
    assert limited.value.retry_after == 120
    bad = MonitorAPI("Sentry", sentry.origin + "/api/0", {"Authorization": "Bearer nope"})
    with pytest.raises(MonitorRefused, match="401"):
        SentryEvents(bad, "acme", store).occurrences(SENTRY_ALERT, DEPLOY.deployed_at, NOW)


def test_an_alert_without_a_sentry_issue_is_answered_by_the_embedded_store(
        sentry: SentryAPIStandIn, store: EventStore) -> None:
    local = SENTRY_ALERT.model_copy(update={"raw": {"event_id": "x"}})
    got = _sentry(sentry, store).occurrences(local, DEPLOY.deployed_at, NOW)
    assert got.monitor == "embedded" and got.count == 0 and not sentry.requests


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyAPIStandIn]:
    with pagerduty_api_standin() as server:
        server.add_incident("PT4KHLK", "shop-checkout", DEPLOY.deployed_at - timedelta(hours=5))
        for n in range(30):  # grouped alerts before the deploy: two pages of 25
            server.add_alert_at("PT4KHLK", DEPLOY.deployed_at - timedelta(minutes=10 * n + 1))
        yield server


def _pd(server: PagerDutyAPIStandIn, store: EventStore, sender: str | None = None
        ) -> PagerDutyEvents:
    api = MonitorAPI("PagerDuty", server.origin, {
        "Authorization": f"Token token={server.token}",
        "Accept": "application/vnd.pagerduty+json;version=2"}, max_wait_s=1)
    return PagerDutyEvents(api, store, from_email=sender)


def test_pagerduty_counts_new_alerts_and_retriggered_incidents(
        pagerduty: PagerDutyAPIStandIn, store: EventStore) -> None:
    source = _pd(pagerduty, store)
    pagerduty.fail("GET", r"/alerts$", times=1, status=502)
    before = source.occurrences(PD_ALERT, DEPLOY.deployed_at - timedelta(days=1),
                                DEPLOY.deployed_at)
    assert before.count == 30 and before.note == ("PagerDuty incident PT4KHLK, "
                                                  "dedup key shop-checkout")
    assert source.occurrences(PD_ALERT, DEPLOY.deployed_at, NOW, DEPLOY).count == 0
    # Resolved by hand, then the same dedup key triggers a new incident after the deploy.
    pagerduty.add_incident("Q1NEW", "shop-checkout", DEPLOY.deployed_at + timedelta(minutes=20))
    pagerduty.add_incident("Q2OTHER", "another-key", DEPLOY.deployed_at + timedelta(minutes=5))
    after = source.occurrences(PD_ALERT, DEPLOY.deployed_at, NOW, DEPLOY)
    assert after.count == 1
    assert after.links == ["https://acme.pagerduty.example/incidents/Q1NEW"]


def test_pagerduty_resolves_with_one_note_and_needs_a_sender(
        pagerduty: PagerDutyAPIStandIn, store: EventStore) -> None:
    with pytest.raises(MonitorRefused, match="From address"):
        _pd(pagerduty, store).resolve(PD_ALERT, DEPLOY, "Fixed by https://x/pull/3")
    source = _pd(pagerduty, store, sender="oncall@acme.example")
    for _ in range(2):  # a re-run adds no second note
        assert "resolved" in source.resolve(PD_ALERT, DEPLOY, "Fixed by https://x/pull/3")
    assert pagerduty.incidents["PT4KHLK"]["status"] == "resolved"
    assert [n["content"] for n in pagerduty.notes["PT4KHLK"]] == ["Fixed by https://x/pull/3"]


def test_prometheus_sums_series_and_reports_refusals_and_outages() -> None:
    with prometheus_standin() as prom:
        prom.add_series("sum(rate(errors_total[5m]))", lambda t: 0.25)
        prom.add_series("sum(rate(errors_total[5m]))", lambda t: 0.5)
        backend = Prometheus(MonitorAPI("Prometheus", prom.origin, {}, max_wait_s=1))
        points = backend.series("sum(rate(errors_total[5m]))", NOW - timedelta(hours=1), NOW,
                                60)
        assert len(points) == 61 and {v for _, v in points} == {0.75}
        with pytest.raises(MonitorRefused, match="parse error"):
            backend.series("sum(rate(errors_total[5m])", NOW - timedelta(hours=1), NOW, 60)
        prom.fail("GET", "/api/v1/query_range", times=3, status=503)
        with pytest.raises(MonitorUnavailable):
            backend.series("sum(rate(errors_total[5m]))", NOW - timedelta(hours=1), NOW, 60)


def test_datadog_through_its_official_client() -> None:
    with datadog_standin() as dd:
        dd.add_series("sum:errors{service:shop}.as_rate()", lambda t: 0.5)
        backend = Datadog(dd.origin, dd.api_key, dd.app_key, retries=1)
        span = (NOW - timedelta(hours=2), NOW)
        dd.fail("GET", "/api/v1/query", times=1, status=429, headers={"X-RateLimit-Reset": "0"})
        points = backend.series("sum:errors{service:shop}.as_rate()", *span, 60)
        assert len(points) >= 120 and {v for _, v in points} == {0.5}
        assert [r.status for r in dd.requests] == [429, 200]
        dd.fail("GET", "/api/v1/query", times=2, status=500)
        with pytest.raises(MonitorUnavailable, match="500"):
            backend.series("sum:errors{service:shop}.as_rate()", *span, 60)
        with pytest.raises(MonitorRefused, match="403"):
            Datadog(dd.origin, "wrong", "keys").series("x", *span, 60)


def test_health_checks_pass_on_2xx_only() -> None:
    server = StandInServer()
    server.route("GET", "/healthz", lambda req: json_response(200, {"ok": True}))
    server.route("GET", "/ready", lambda req: json_response(503, {"ok": False}))
    with server.running():
        assert health_check(server.origin + "/healthz").ok
        failing = health_check(server.origin + "/ready")
        assert not failing.ok and failing.detail == "503"


def test_ci_checks_read_the_default_branch_after_the_deploy(tmp_path: Path,
                                                           store: EventStore) -> None:
    with github_standin(tmp_path / "gh") as gh:
        gh.create_repo("acme/shop")
        app = GitHubApp(app_id=gh.app_id, private_key_pem=gh.private_key_pem,
                        installation_id=gh.installation_id, base_url=gh.api_url)
        checks = GitHubChecks(gh.api_url, "acme/shop", "main", app.token, store)
        alert = Alert(source="ci", fingerprint="c" * 32, raw={"check_run": {"name": "tests"}})
        head = gh.branch_sha("acme/shop", "main")
        assert head is not None
        window = (DEPLOY.deployed_at, datetime.now(UTC) + timedelta(minutes=1))
        assert checks.occurrences(alert, *window).checks == 0  # no run yet: nothing known
        gh.add_check_run("acme/shop", head, "tests", conclusion="success")
        gh.add_check_run("acme/shop", head, "lint", conclusion="failure")
        seen = checks.occurrences(alert, *window)
        assert (seen.checks, seen.count) == (1, 0)
        gh.add_check_run("acme/shop", head, "tests", conclusion="failure")
        assert checks.occurrences(alert, *window).count == 1
