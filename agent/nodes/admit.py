"""admit: what the repository's policy lets this incident do, decided once its ticket exists.

A policy with its kill switch on stops everything (the ticket says so). An alert whose source
or severity may not open pull requests goes on to RCA and stops there. Past the cap on open
alertfix PRs or on incidents started per hour, the incident is queued: the ticket says so,
and `queue` waits until `alertfix tick` (or the server's timer) finds room.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import git
from langgraph.runtime import Runtime

from agent.context import Context
from agent.incidents.waits import CapacityWait, wait
from agent.nodes.base import stage
from agent.state import IncidentState
from guardrails.actions import check_alert_allowed, check_rate
from guardrails.policy import POLICY_FILES, Policy, parse_policy, policy_verdict
from tools import vcs

ADMITTED = "admitted"


def repository_policy(repo: git.Repo, sha: str) -> Policy:
    """The policy file committed in the repository at `sha`, or the defaults."""
    for name in POLICY_FILES:
        policy_text = vcs.show_file(repo, sha, name)
        if policy_text is not None:
            return parse_policy(policy_text, name)
    return Policy()


def incidents_admitted_since(ctx: Context, since: datetime, other_than: str) -> int:
    return len({e["incident"] for e in ctx.audit.entries()
                if e["action"] == "admit" and e["detail"].get("summary") == ADMITTED
                and e["incident"] != other_than and datetime.fromisoformat(e["at"]) >= since})


@stage("admit")
def admit(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, alert, ticket = runtime.context, state.alert, state.ticket
    assert alert is not None and ticket is not None
    repo = ctx.clone()
    head = vcs.resolve(repo, f"origin/{state.repo.default_branch}") or "HEAD"
    policy = repository_policy(repo, head)
    switched_off = policy_verdict(policy)
    if not switched_off:
        return {"escalation": "the repository's alertfix policy stops all work: "
                              + "; ".join(switched_off.reasons),
                "_summary": "stopped by policy"}
    update: dict[str, Any] = {}
    allowed = check_alert_allowed(alert.source, alert.severity, policy)
    if not allowed:
        update["stop_after_rca"] = "; ".join(allowed.reasons)
    others = [pr for pr in ctx.forge.open_pull_requests()]
    started = incidents_admitted_since(ctx, datetime.now(UTC) - timedelta(hours=1),
                                       state.incident_id)
    room = check_rate(len(others), started, policy)
    if not room:
        reason = "; ".join(room.reasons)
        if state.queued != reason:  # say it once, not on every re-check
            ctx.tracker.comment(ticket.key, f"**Queued by alertfix.** {reason}. It will start "
                                            "on its own when there is room.")
        return {**update, "queued": reason, "_summary": "queued"}
    return {**update, "queued": None, "_summary": ADMITTED}


@stage("queue")
def queue(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    wait(CapacityWait(reason=state.queued))
    return {"_summary": "re-checking the policy's caps"}
