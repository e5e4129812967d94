"""The Sentry and PagerDuty API clients against stand-ins that speak their wire formats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.standins.pagerduty_api import PagerDutyAPIStandIn, pagerduty_api_standin
from tests.standins.sentry_api import SentryAPIStandIn, sentry_api_standin
from tests.tools.test_monitors_parsers import EVENT, _pd
from tools.monitors import parse_alert
from tools.monitors.pagerduty import PagerDutyClient
from tools.monitors.sentry import SentryClient
from tools.ports import MonitorNotFound, MonitorRefused, MonitorUnavailable, RetryPolicy

NO_WAIT = RetryPolicy(attempts=3, sleep=lambda s: None)


@pytest.fixture
def sentry_api() -> Iterator[SentryAPIStandIn]:
    with sentry_api_standin() as server:
        yield server


@pytest.fixture
def pagerduty_api() -> Iterator[PagerDutyAPIStandIn]:
    with pagerduty_api_standin() as server:
        yield server


def test_issue_webhook_gets_its_latest_event(sentry_api: SentryAPIStandIn) -> None:
    sentry_api.add_issue("4711", EVENT)
    client = SentryClient(sentry_api.origin, sentry_api.token)
    webhook = {"action": "created", "data": {"issue": {
        "id": "4711", "permalink": "https://sentry.example/issues/4711/",
        "project": {"slug": "shop", "id": "7"}}}}
    whole = client.issue_alert(webhook)
    alert = parse_alert("sentry", whole)
    # The API's camelCase event gives the same alert as the SDK's event.
    expected = parse_alert("sentry", EVENT)
    assert alert.fingerprint == expected.fingerprint
    assert (alert.exception_type, alert.release, alert.service) == ("KeyError", "9f3a2b1",
                                                                    "shop")
    assert alert.crash_frame and alert.crash_frame.lineno == 9
    assert alert.crash_frame.context_line == '    tier = customer["tier"]'
    assert alert.links["web_url"] == "https://sentry.example/issues/4711/"
    assert sentry_api.paths("GET") == ["/api/0/issues/4711/events/latest/"]


def test_sentry_api_errors_name_the_call_not_the_token(sentry_api: SentryAPIStandIn) -> None:
    with pytest.raises(MonitorRefused, match="answered 401") as caught:
        SentryClient(sentry_api.origin, "wrong-token").latest_event("1")
    assert "wrong-token" not in str(caught.value) and caught.value.port == "monitor"
    with pytest.raises(MonitorNotFound, match="answered 404"):
        SentryClient(sentry_api.origin, sentry_api.token).latest_event("999")
    sentry_api.fail("GET", r"/issues/", drop=True, times=3)
    with pytest.raises(MonitorUnavailable, match="failed after 3 tries"):
        SentryClient(sentry_api.origin, sentry_api.token, retry=NO_WAIT).latest_event("1")
    with pytest.raises(MonitorRefused, match="not a Sentry issue id"):
        SentryClient(sentry_api.origin, sentry_api.token).latest_event("../../admin")


def test_monitor_rate_limits_honour_retry_after(sentry_api: SentryAPIStandIn) -> None:
    sentry_api.add_issue("4711", EVENT)
    sleeps: list[float] = []
    client = SentryClient(sentry_api.origin, sentry_api.token,
                          retry=RetryPolicy(attempts=3, sleep=sleeps.append, max_wait=30))
    sentry_api.fail("GET", r"/issues/", status=429, headers={"Retry-After": "7"})
    sentry_api.fail("GET", r"/issues/", status=503)
    assert isinstance(client.latest_event("4711"), dict)  # answered on the third try
    assert sleeps == [7.0, 1.0]  # the asked-for wait, then the backoff
    sentry_api.fail("GET", r"/issues/", status=429, headers={"Retry-After": "600"})
    with pytest.raises(MonitorUnavailable, match="asked to wait 600s") as caught:
        client.latest_event("4711")
    assert caught.value.retry_after == 600.0 and sleeps == [7.0, 1.0]  # beyond the bound


def test_pagerduty_alerts_are_fetched_across_pages(pagerduty_api: PagerDutyAPIStandIn) -> None:
    bodies: list[dict[str, Any]] = [{"details": {"n": n}} for n in range(30)]
    bodies[27] = {"details": {"log": [
        "Traceback (most recent call last):",
        '  File "/srv/app/shop/pricing.py", line 9, in loyalty_factor',
        '    tier = customer["tier"]', "KeyError: 'tier'"]}}
    pagerduty_api.add_alerts("PT4KHLK", bodies)
    client = PagerDutyClient(pagerduty_api.origin, pagerduty_api.token)
    whole = client.with_alerts(_pd())
    assert len(whole["alerts"]) == 30
    alert = parse_alert("pagerduty", whole)
    assert alert.exception_type == "KeyError" and alert.frames[-1].function == "loyalty_factor"


def test_pagerduty_api_errors(pagerduty_api: PagerDutyAPIStandIn) -> None:
    with pytest.raises(MonitorRefused, match="answered 401"):
        PagerDutyClient(pagerduty_api.origin, "nope").incident_alerts("PT4KHLK")
    with pytest.raises(MonitorNotFound, match="answered 404"):
        PagerDutyClient(pagerduty_api.origin, pagerduty_api.token).incident_alerts("PX")
    with pytest.raises(MonitorRefused, match="not a PagerDuty incident id"):
        PagerDutyClient(pagerduty_api.origin, pagerduty_api.token).incident_alerts("a/../b")


def test_comment_commands_need_write_permission_on_github() -> None:
    from tests.standins._http import Request, Response, StandInServer, json_response
    from tools.monitors.github_events import CollaboratorPermissions

    permissions = {"ana": "write", "bo": "read", "cy": "admin"}

    def permission(req: Request) -> Response:
        if req.headers.get("authorization") != "Bearer installation-token":
            return json_response(401, {"message": "Bad credentials"})
        login = req.params["login"]
        if login not in permissions:
            return json_response(404, {"message": "Not Found"})
        return json_response(200, {"permission": permissions[login], "user": {"login": login}})

    server = StandInServer()
    server.route("GET", r"/api/v3/repos/acme/shop/collaborators/(?P<login>[^/]+)/permission",
                 permission)
    with server.running():
        check = CollaboratorPermissions(server.origin + "/api/v3", lambda: "installation-token")
        assert check("acme/shop", "ana") and check("acme/shop", "cy")
        assert not check("acme/shop", "bo") and not check("acme/shop", "stranger")
        assert not check("acme/shop", "../../admin")  # never reaches the API
        assert check("acme/shop", "ana")  # cached
        assert server.paths("GET").count(
            "/api/v3/repos/acme/shop/collaborators/ana/permission") == 1
        wrong_token = CollaboratorPermissions(server.origin + "/api/v3", lambda: "expired")
        assert not wrong_token("acme/shop", "ana")
