"""verify: once the verification window after the deploy has passed, replay the failing
scenario against the deployed code and ask the monitor whether the fault was seen since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import sandbox, test_command
from agent.incidents.waits import VerificationWait, wait
from agent.nodes.base import stage
from agent.state import IncidentState, Verification
from tools import vcs


@stage("verify")
def verify(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, shipped, alert = runtime.context, state.deploy, state.alert
    assert shipped is not None and alert is not None
    due = shipped.deployed_at + timedelta(seconds=ctx.settings.verify_window_s)
    if datetime.now(UTC) < due:
        # A durable wait: `alertfix tick` (or the server's timer) resumes it once due.
        wait(VerificationWait(due=due.isoformat()))
        if datetime.now(UTC) < due:
            return {"_summary": f"resumed before {due:%H:%M:%S} UTC: waiting again"}
    scenario_passed = None
    details = []
    if state.regression_test is not None:
        repo = ctx.clone()
        worktrees = ctx.settings.home / "worktrees"
        worktrees.mkdir(parents=True, exist_ok=True)
        with vcs.worktree(repo, shipped.sha, parent=worktrees) as workdir:
            run = sandbox(ctx, state.environment).run(
                workdir, [*test_command(state), state.regression_test.nodeid],
                ctx.settings.test_timeout_s)
        scenario_passed = run.passed
        details.append(f"the failing scenario ({state.regression_test.nodeid}) "
                       f"{'passes' if run.passed else 'FAILS'} at {shipped.sha[:10]}")
    new_events = ctx.events.count_events(alert.fingerprint, since=shipped.deployed_at)
    details.append(f"{new_events} new event(s) with this fingerprint since {shipped.name} "
                   f"({shipped.deployed_at.strftime('%Y-%m-%d %H:%M:%S UTC')})")
    passed = scenario_passed is not False and new_events == 0
    verification = Verification(passed=passed, deploy=shipped, new_events=new_events,
                                scenario_passed=scenario_passed, detail="; ".join(details))
    return {"verification": verification,
            "_summary": ("passed: " if passed else "FAILED: ") + verification.detail}
