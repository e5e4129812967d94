"""verify: after the deploy, watch the fault for as long as its own rate needs (between the
configured least and most), then replay the failing scenario against the deployed code, run
the service's health checks, and say what the monitors saw: verified, fixed but not verified
by traffic, or back.

The wait is durable: the node interrupts with the time it is next due, and `alertfix tick`
(or the server's timer) resumes it. A monitor that cannot answer delays verification and
retries; it never counts as "no events".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import sandbox, test_command
from agent.incidents.waits import VerificationWait, wait
from agent.nodes.admit import repository_policy
from agent.nodes.base import plain, stage
from agent.state import IncidentState, Verification
from agent.verification.chart import buckets
from agent.verification.readings import Reading, read_metric, read_monitor
from agent.verification.window import Verdict
from guardrails.policy import ServiceChecks
from tools import vcs
from tools.monitors.probes import health_check
from tools.ports import Alert, Deploy, NotFound, Refused, ServiceError


def _readings(ctx: Context, alert: Alert, shipped: Deploy, checks: ServiceChecks,
              now: datetime, final: bool) -> list[Reading]:
    settings = ctx.settings
    common = (settings.verify_history_s, settings.verify_confidence, final)
    readings = [read_monitor(ctx.monitor_for(alert.source), alert, shipped, now, *common)]
    rate = checks.error_rate
    if rate is not None:
        backend, query = (("prometheus", rate.prometheus) if rate.prometheus
                          else ("datadog", rate.datadog))
        if backend not in ctx.metrics:
            raise Refused(f"the error-rate query for {alert.service} needs {backend} "
                          "configured (see docs/verification.md)", port="monitor")
        assert query is not None
        readings.append(read_metric(ctx.metrics[backend], query, alert, shipped, now, *common))
    return readings


def _verdict(readings: list[Reading]) -> Verdict:
    verdicts = {r.judgement.verdict for r in readings}
    for verdict in ("regressed", "verified", "waiting"):
        if verdict in verdicts:
            return verdict
    return "unverified"


def _replay(ctx: Context, state: IncidentState, shipped: Deploy) -> tuple[bool | None, str]:
    if state.regression_test is None:
        return None, ""
    repo = ctx.clone()
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    with vcs.worktree(repo, shipped.sha, parent=worktrees) as workdir:
        run = sandbox(ctx, state.environment).run(
            workdir, [*test_command(state), state.regression_test.nodeid],
            ctx.settings.test_timeout_s)
    return run.passed, (f"the failing scenario ({state.regression_test.nodeid}) "
                        f"{'passes' if run.passed else 'FAILS'} at {shipped.sha[:10]}")


def _chart(readings: list[Reading], shipped: Deploy, now: datetime) -> dict[str, Any]:
    # The monitor that decided is the one to show; else the first with anything to draw.
    decisive = [r for r in readings if r.judgement.verdict in ("verified", "regressed")]
    shown = next((r for r in [*decisive, *readings] if r.chart_points), None)
    if shown is None or shown.chart_start is None:
        return {}
    series, width = buckets(shown.chart_points, shown.chart_start, max(now, shipped.deployed_at
                            + timedelta(minutes=1)), shipped.deployed_at,
                            mean=shown.rate_series)
    return {"chart": series, "chart_bucket_s": width}


def _wait(due: datetime, delayed: str = "", reading: str = "") -> dict[str, Any]:
    # Before wait(): reads only. On resume the node runs again from the top with fresh
    # readings; when it is still not time, the router brings it back here to wait anew.
    wait(VerificationWait(due=due.isoformat(), delayed=delayed, reading=reading))
    return {"_summary": delayed or f"not conclusive yet: next check at "
                                   f"{due:%Y-%m-%d %H:%M:%S} UTC"}


@stage("verify")
def verify(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, shipped, alert = runtime.context, state.deploy, state.alert
    assert shipped is not None and alert is not None
    settings, now = ctx.settings, datetime.now(UTC)
    policy = repository_policy(ctx.clone(), shipped.sha).verification
    max_s = settings.verify_max_window_s
    if policy.max_window_hours is not None:
        max_s = min(max_s, policy.max_window_hours * 3600)
    min_s = min(settings.verify_window_s, max_s)
    latest = shipped.deployed_at + timedelta(seconds=max_s)
    try:
        readings = _readings(ctx, alert, shipped, policy.checks_for(alert.service), now,
                             final=now >= latest)
    except ServiceError as exc:
        # Down or refusing: wait and ask again (longer when a person must fix the setup).
        pause = settings.verify_retry_s * (12 if isinstance(exc, Refused | NotFound) else 1)
        retry = now + timedelta(seconds=max(exc.retry_after or 0.0, pause))
        reason = f"verification delayed: {exc}"
        if state.ticket is not None and state.verify_delayed != str(exc):
            # Told once per failure, from a step that completes (not before the wait).
            ctx.tracker.comment(state.ticket.key, plain(
                f"**Verification delayed.** {exc}. alertfix asks again from "
                f"{retry:%Y-%m-%d %H:%M} UTC; a monitor that does not answer never counts "
                "as a pass."))
            return {"verify_delayed": str(exc), "_summary": reason}
        return _wait(retry, delayed=reason)
    needs = [r.needed_s for r in readings if r.needed_s is not None]
    # A hair past the point where P(no event) crosses the threshold, so that it is below.
    window_s = min(max(min(needs) * 1.02 + 60 if needs else min_s, min_s), max_s)
    due = shipped.deployed_at + timedelta(seconds=window_s)
    verdict = _verdict(readings)
    if verdict != "regressed" and (now < due or verdict == "waiting"):
        later = now + max(timedelta(minutes=10), (now - shipped.deployed_at) / 4)
        return _wait(due if now < due else min(latest, later),
                     reading="; ".join(r.line() for r in readings))
    lines = [r.line() for r in readings]
    health = [health_check(url) for url in policy.checks_for(alert.service).health_checks]
    lines += [f"health check {h.url}: {h.detail}" for h in health]
    scenario_passed, replayed = _replay(ctx, state, shipped)
    lines += [replayed] if replayed else []
    outcome: Literal["verified", "unverified", "regressed"] = (
        "regressed" if verdict == "regressed" or scenario_passed is False
        or not all(h.ok for h in health) else "verified" if verdict == "verified"
        else "unverified")
    primary = readings[0]
    verification = Verification(
        passed=outcome != "regressed", verdict=outcome,
        deploy=shipped, new_events=primary.new_events, scenario_passed=scenario_passed,
        detail="; ".join(lines), findings=lines, monitor=primary.monitor,
        window_s=max((now - shipped.deployed_at).total_seconds(), 0.0),
        needed_s=min(needs) if needs else None,
        p_value=min((r.judgement.p_value for r in readings
                     if r.judgement.p_value is not None), default=None),
        new_event_links=[link for r in readings for link in r.links][:20],
        **_chart(readings, shipped, now))
    label = {"verified": "verified", "unverified": "fixed, not verified by traffic",
             "regressed": "FAILED"}[outcome]
    return {"verification": verification, "verify_delayed": None,
            "_summary": f"{label}: {verification.detail}"}
