"""review and deploy: the two durable waits for people and systems outside alertfix.

Each node pauses with `wait()` (typed: agent/incidents/waits.py); whatever resumes it (CLI,
webhook, dashboard), the forge and the deploy history are asked for the truth rather than
trusting the resume value.
Code before `wait()` runs again on resume, so it has no side effects.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.incidents.waits import DeployWait, ReviewDecision, ReviewWait, wait
from agent.nodes.base import stage
from agent.state import IncidentState
from tools import vcs


@stage("review")
def review(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    pr = state.pull_request
    assert pr is not None
    answer = wait(ReviewWait(pull_request=pr.number, url=pr.url))
    decision = answer.decision if isinstance(answer, ReviewDecision) else None
    by = answer.by if isinstance(answer, ReviewDecision) else "a reviewer"
    current = runtime.context.forge.get_pull_request(pr.number)
    if current.status == "merged":
        return {"pull_request": current, "review": "approved",
                "_summary": f"#{pr.number} merged by {by} as {current.merge_commit or '?'}"[:120]}
    if current.status == "closed" or decision == "rejected":
        return {"pull_request": current, "review": "rejected",
                "escalation": f"pull request #{pr.number} was closed without merging by {by}; "
                              "the fault still needs a human fix",
                "_summary": f"#{pr.number} rejected by {by}"}
    return {"pull_request": current, "_summary": f"#{pr.number} still open: waiting again"}


@stage("deploy")
def deploy(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    pr = state.pull_request
    assert pr is not None and pr.merge_commit
    wait(DeployWait(merge_commit=pr.merge_commit))
    ctx = runtime.context
    repo = ctx.clone()
    shipped = vcs.deploy_containing(repo, ctx.deploys.deploys(), pr.merge_commit)
    if shipped is None:
        return {"_summary": f"{pr.merge_commit[:10]} is in no deploy yet: waiting again"}
    if state.ticket is not None:
        due = shipped.deployed_at.timestamp() + ctx.settings.verify_window_s
        ctx.tracker.comment(state.ticket.key, (
            f"Deployed in `{shipped.name}` ({shipped.environment}). alertfix will check that "
            f"the error is gone after {datetime.fromtimestamp(due, UTC):%Y-%m-%d %H:%M UTC}."))
    return {"deploy": shipped, "_summary": f"{shipped.name} ({shipped.environment}) "
                                           f"ships {pr.merge_commit[:10]}"}
