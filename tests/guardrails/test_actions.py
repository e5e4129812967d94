"""Pushes, rate limits and which alerts may lead to a PR."""

from __future__ import annotations

import pytest

from guardrails.actions import check_alert_allowed, check_push, check_rate
from guardrails.policy import Policy, parse_policy


def test_push_to_own_branch_is_allowed() -> None:
    assert check_push("alertfix/ab12", "main").allowed
    assert check_push("refs/heads/alertfix/ab12", "main").allowed


@pytest.mark.parametrize(
    ("branch", "default", "reasons"),
    [
        ("alertfix/x", "alertfix/x", ["alertfix never pushes to the default branch (alertfix/x)"]),
        ("refs/heads/alertfix/x", "alertfix/x",
         ["alertfix never pushes to the default branch (alertfix/x)"]),
        ("feature/x", "main",
         ["alertfix pushes only its own branches (alertfix/*), not feature/x"]),
        ("main", "main",
         ["alertfix never pushes to the default branch (main)",
          "alertfix pushes only its own branches (alertfix/*), not main"]),
        ("fix:main", "main", ["branch name 'fix:main' is not a plain branch name"]),
        ("+fix", "main", ["branch name '+fix' is not a plain branch name"]),
        ("a..b", "main", ["branch name 'a..b' is not a plain branch name"]),
        ("HEAD", "main", ["branch name 'HEAD' is not a plain branch name"]),
        ("", "main", ["branch name '' is not a plain branch name"]),
        ("alertfix/x", "", ["alertfix never pushes to the default branch ()"]),
    ],
)  # fmt: skip
def test_push_denials(branch: str, default: str, reasons: list[str]) -> None:
    verdict = check_push(branch, default)
    assert not verdict.allowed and list(verdict.reasons) == reasons


def test_rate_limits_queue_with_a_reason() -> None:
    policy = Policy(max_open_prs=2, max_incidents_per_hour=5)
    assert check_rate(1, 4, policy).allowed
    assert check_rate(2, 5, policy).reasons == (
        "2 alertfix PRs are already open in this repository; policy allows 2, so this fix is "
        "queued until one closes",
        "5 incidents started in the past hour; policy allows 5 an hour, so this alert is queued",
    )
    assert not check_rate(0, 0, Policy(max_open_prs=0)).allowed  # 0 means none at all


def test_alert_source_and_severity() -> None:
    policy = parse_policy("sources: [sentry]\nseverities: [fatal, error]\n")
    assert check_alert_allowed("Sentry", "ERROR", policy).allowed
    assert check_alert_allowed("pagerduty", "warning", policy).reasons == (
        "alerts from pagerduty do not open PRs by policy (sources: sentry); "
        "stopping at the root cause",
        "alerts of severity warning do not open PRs by policy (severities: fatal, error); "
        "stopping at the root cause",
    )


def test_alert_values_are_printed_inert() -> None:
    verdict = check_alert_allowed("sentry", "<img src=x> @admins", Policy())
    inert = "\u2039img src=x\u203a \uff20admins"  # look-alike brackets and at sign
    assert verdict.reasons[0].startswith(f"alerts of severity {inert} do not")


def test_kill_switch_stops_alerts() -> None:
    assert check_alert_allowed("sentry", "error", Policy(enabled=False)).reasons == (
        "alertfix is disabled for this repository (enabled: false in defaults)",
    )
