"""The verification window and verdict from a fault's own rate, and the chart of it."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from agent.verification.chart import buckets, render_mermaid, render_svg
from agent.verification.window import (
    Counted,
    judge,
    needed_s,
    p_phrase,
    p_text,
    poisson_cdf,
    poisson_sf,
)
from guardrails.policy import parse_policy

HOUR = 3600.0


def test_poisson_tails_match_the_closed_forms() -> None:
    assert poisson_cdf(0, 3.0) == pytest.approx(math.exp(-3))
    assert poisson_cdf(2, 1.5) == pytest.approx(math.exp(-1.5) * (1 + 1.5 + 1.5 ** 2 / 2))
    assert poisson_sf(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert poisson_cdf(5000, 5000.0) == pytest.approx(0.5, abs=0.01)  # no overflow


def test_the_issue_example_reads_as_the_ticket_says() -> None:
    verdict = judge(Counted(41, 6 * HOUR), Counted(0, 2 * HOUR), 0.95, final=False)
    assert verdict.verdict == "verified"
    assert verdict.text == "seen 41 times in 6 h before; 0 in 2 h after; p ≈ 1e-6"


def test_the_window_is_set_by_the_rate() -> None:
    # 41 in 6 h: exp(-λw) < 5% after ln(20)/λ ≈ 26 min; 3 a day: ≈ 24 h.
    assert needed_s(41 / (6 * HOUR), 0.95) == pytest.approx(26.3 * 60, rel=0.01)
    assert needed_s(3 / (24 * HOUR), 0.95) == pytest.approx(24 * HOUR, rel=0.01)
    assert needed_s(0.0, 0.95) is None
    # Half an hour after the deploy proves nothing for a fault seen three times a day.
    rare = judge(Counted(3, 24 * HOUR), Counted(0, 0.5 * HOUR), 0.95, final=False)
    assert rare.verdict == "waiting" and rare.p_value == pytest.approx(math.exp(-3 / 48))
    assert judge(Counted(3, 24 * HOUR), Counted(0, 0.5 * HOUR), 0.95,
                 final=True).verdict == "unverified"


def test_an_event_after_the_deploy_is_a_regression() -> None:
    back = judge(Counted(41, 6 * HOUR), Counted(2, HOUR), 0.95, final=False)
    assert back.verdict == "regressed" and "2 in 60 min after" in back.text


def test_a_metric_is_judged_against_its_level_before_the_fault() -> None:
    background = 90 / HOUR  # other errors: 90 an hour
    back_to_normal = judge(Counted(1000, HOUR), Counted(95, HOUR), 0.95, False,
                           background_per_s=background)
    assert back_to_normal.verdict == "verified"
    still_high = judge(Counted(1000, HOUR), Counted(400, HOUR), 0.95, False,
                       background_per_s=background)
    assert still_high.verdict == "regressed"
    no_excess = judge(Counted(90, HOUR), Counted(90, HOUR), 0.95, True,
                      background_per_s=background)
    assert no_excess.verdict == "unverified"


def test_p_values_print_short() -> None:
    assert (p_text(0.031), p_text(1.16e-6), p_text(0.05)) == ("0.03", "1e-6", "0.05")
    assert (p_phrase(1.16e-6), p_phrase(0.0)) == ("p ≈ 1e-6", "p < 1e-12")


def test_the_chart_splits_at_the_deploy_and_is_a_valid_svg() -> None:
    deploy = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    before = [(deploy - timedelta(minutes=8 * n + 1), 1.0) for n in range(41)]
    series, width = buckets(before, deploy - timedelta(hours=6), deploy + timedelta(hours=2),
                            deploy)
    assert sum(rate for _, rate in series) * width / 3600 == pytest.approx(41)
    assert any(start == deploy for start, _ in series)
    assert all(rate == 0 for start, rate in series if start >= deploy)
    svg = render_svg(series, width, deploy, "Fault rate <before & after>", "p ≈ 1e-6")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    bars = root.findall("{http://www.w3.org/2000/svg}rect")[2:]  # after the page and the band
    assert len(bars) == len(series)
    assert {b.get("fill") for b in bars} == {"#c0392b", "#27ae60"}
    mermaid = render_mermaid(series, deploy, 'a "quoted" title')
    assert mermaid.startswith("```mermaid\nxychart-beta") and '"quoted"' not in mermaid


def test_rate_samples_are_averaged_per_bucket() -> None:
    deploy = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    samples = [(deploy - timedelta(minutes=m), 0.5) for m in range(1, 60)]
    series, _ = buckets(samples, deploy - timedelta(hours=1), deploy + timedelta(hours=1),
                        deploy, mean=True)
    assert {round(rate) for start, rate in series if start < deploy} == {1800}


def test_the_policy_names_checks_per_service() -> None:
    policy = parse_policy(
        "verification:\n  max_window_hours: 6\n  services:\n"
        "    checkout: {error_rate: {datadog: 'sum:errors{service:checkout}.as_rate()'},"
        " health_checks: ['https://checkout.internal/healthz']}\n"
        "    '*': {error_rate: {prometheus: 'sum(rate(errors_total[5m]))'}}\n")
    assert not policy.problems and policy.verification.max_window_hours == 6
    checkout = policy.verification.checks_for("checkout")
    assert checkout.error_rate and checkout.error_rate.datadog
    assert checkout.health_checks == ("https://checkout.internal/healthz",)
    other = policy.verification.checks_for("billing").error_rate
    assert other and other.prometheus == "sum(rate(errors_total[5m]))"
    both = parse_policy("verification: {services: {a: {error_rate: {prometheus: x, datadog: y}}}}")
    assert "exactly one of prometheus or datadog" in both.problems[0] and not both.enabled
    bad_url = parse_policy("verification: {services: {a: {health_checks: ['file:///etc']}}}")
    assert "not an http(s) URL" in bad_url.problems[0]
