"""pull_request: commit the fix and its regression test on `alertfix/<ticket>-<slug>`, push
it, and open (or update) the pull request. The only node that writes to a forge."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage, text
from agent.state import IncidentState
from tools import vcs
from tools.ports import PullRequestDraft, TicketStatus


def branch_name(ticket_key: str, exception_type: str, function: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{exception_type} {function}".lower()).strip("-")
    return f"alertfix/{ticket_key.lower()}-{slug[:40].rstrip('-')}"


@stage("pull_request")
def pull_request(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert, ticket, chosen = (runtime.context, state.root_cause, state.alert,
                                      state.ticket, state.chosen)
    assert rc and rc.location and alert and ticket and chosen
    regression = state.regression_test
    branch = branch_name(ticket.key, alert.exception_type, rc.location.function)
    files = {chosen.path: chosen.new_source}
    if regression is not None:
        files[regression.path] = regression.source
    repo = ctx.clone()
    message = (f"Fix {alert.exception_type} in {rc.location.function} ({ticket.key})\n\n"
               f"{chosen.description}.\n")
    if regression is not None:
        message += f"\nRegression test: {regression.nodeid}\n"
    vcs.commit_on_branch(repo, branch, rc.base_sha, files, text("plain.j2", value=message))
    ctx.forge.push_branch(ctx.workspace, branch)
    validation = next(v for v in state.validations if v.candidate_id == chosen.id)
    body = text(
        "pull_request.md.j2", ticket=ticket, alert=alert, rc=rc, candidate=chosen,
        regression=regression, validation=validation, tried=len(state.validations),
        notes=state.repair_notes, incident_id=state.incident_id,
        root_cause_text=text("root_cause.md.j2", rc=rc))
    existed = ctx.forge.find_pull_request(branch)
    pr = ctx.forge.open_pull_request(PullRequestDraft(
        branch=branch, base=state.repo.default_branch,
        title=text("plain.j2", value=f"Fix {alert.exception_type} in {rc.location.function} "
                                     f"({ticket.key})"),
        body=body, labels=["alertfix"]))
    if existed is None or existed.status != "open":
        ctx.tracker.comment(ticket.key, f"Pull request for review: {pr.url} (branch `{branch}`)")
    ctx.tracker.transition(ticket.key, TicketStatus.IN_REVIEW)
    return {"pull_request": pr, "_summary": f"PR #{pr.number} on {branch}"}
