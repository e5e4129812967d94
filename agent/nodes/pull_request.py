"""pull_request: commit the fix and its regression test on `alertfix/<ticket>-<slug>`, push
it, and open (or update) the pull request. The only node that writes to a forge."""

from __future__ import annotations

import re
from typing import Any

import git
from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.admit import repository_policy
from agent.nodes.base import plain, stage, text, title
from agent.repair.confidence import assess
from agent.repair.templates.stale_sites import renamed_only
from agent.state import IncidentState
from guardrails.files import FileChange
from guardrails.gate import check_pull_request
from guardrails.policy import Policy
from guardrails.verdict import Verdict
from tools import vcs
from tools.ports import PullRequestDraft, TicketStatus


def branch_name(ticket_key: str, exception_type: str, function: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{exception_type} {function}".lower()).strip("-")
    return f"alertfix/{ticket_key.lower()}-{slug[:40].rstrip('-')}"


def first_party_modules(files: list[str]) -> set[str]:
    """Top-level modules of the repository: importing them is not a new dependency."""
    tops = {f.split("/")[0].removesuffix(".py") for f in files
            if f.endswith(".py") and not f.startswith(("tests/", "test/"))}
    tops |= {f.split("/")[1].removesuffix(".py") for f in files
             if f.startswith("src/") and f.endswith(".py") and f.count("/") >= 1}
    return tops


def gate(state: IncidentState, repo: git.Repo, files: dict[str, str], branch: str,
         open_prs: int, policy: Policy) -> Verdict:
    rc, alert = state.root_cause, state.alert
    assert rc and rc.location and alert
    changes = [FileChange(path, vcs.show_file(repo, rc.base_sha, path), text)
               for path, text in files.items()]
    scope = {rc.location.path: [rc.location.function]}
    for frame in rc.frames:  # the functions on the stack above the fault are in scope too
        if frame.in_app and frame.repo_path and frame.function:
            scope.setdefault(frame.repo_path, []).append(frame.function)
    # A file whose only change completes the culprit's rename of the name in the error (RCA's
    # evidence, checked node by node) is in scope: the stale uses it left are the fault too.
    renames = rc.suspects[0].renames if rc.suspects else []
    # (the functions named stay: a file the stack ran is code, not a packaging manifest)
    scope |= {path: [*scope.get(path, []), "*"]
              for path in renamed_only(changes, renames, policy.test_paths)}
    return check_pull_request(
        changes, policy, scope, branch=branch,
        default_branch=state.repo.default_branch, open_prs=open_prs,
        exception_type=rc.exception_type or alert.exception_type, source=alert.source,
        severity=alert.severity,
        first_party=first_party_modules(vcs.list_files(repo, rc.base_sha)))


@stage("pull_request")
def pull_request(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert, ticket, chosen = (runtime.context, state.root_cause, state.alert,
                                      state.ticket, state.chosen)
    assert rc and rc.location and alert and ticket and chosen
    regression = state.regression_test
    raised = rc.exception_type or alert.exception_type
    branch = branch_name(ticket.key, raised, rc.location.function)
    files = chosen.changed_files()
    if regression is not None:
        files[regression.path] = regression.source
    repo = ctx.clone()
    policy = repository_policy(repo, rc.base_sha)
    validation = next(v for v in state.validations if v.candidate_id == chosen.id)
    confidence = assess(chosen, rc, regression, validation, policy)
    if confidence.band == "below":
        return {"confidence": confidence,
                "escalation": f"confidence {confidence.score:.2f} is below this repository's "
                              f"min_confidence {policy.min_confidence:.2f}, so no pull request "
                              f"was opened; the best patch is below, to apply by hand",
                "_summary": f"confidence {confidence.score:.2f}: no PR"}
    others = [pr for pr in ctx.forge.open_pull_requests() if pr.branch != branch]
    verdict = gate(state, repo, files, branch, open_prs=len(others), policy=policy)
    if not verdict.allowed:
        return {"escalation": "the guardrails refused the pull request: "
                              + "; ".join(verdict.reasons), "confidence": confidence,
                "_summary": f"refused by guardrails ({len(verdict.reasons)} reason(s))"}
    mitigation = chosen.fix_class == "mitigation"
    headline = (f"Mitigation: stop {raised} in {rc.location.function}"
                if mitigation else f"Fix {raised} in {rc.location.function}")
    message = f"{headline} ({ticket.key})\n\n{chosen.description}.\n"
    if regression is not None:
        message += f"\nRegression test: {regression.nodeid}\n"
    with ctx.workspace_lock():
        vcs.commit_on_branch(repo, branch, rc.base_sha, files, plain(message))
        ctx.forge.push_branch(ctx.workspace, branch)
    body = text(
        "pull_request.md.j2", ticket=ticket, alert=alert, rc=rc, candidate=chosen,
        regression=regression, validation=validation, tried=len(state.validations),
        validations=state.validations, candidates=state.candidates,
        notes=state.repair_notes, suspicious=state.suspicious_lines,
        incident_id=state.incident_id, confidence=confidence,
        environment=state.environment,
        root_cause_text=text("root_cause.md.j2", rc=rc))
    existed = ctx.forge.find_pull_request(branch)
    pr = ctx.forge.open_pull_request(PullRequestDraft(
        branch=branch, base=state.repo.default_branch,
        title=title(f"{headline} ({ticket.key})"), body=body,
        labels=["alertfix", f"severity:{alert.severity_name}",
                *(["mitigation"] if mitigation else [])],
        draft=confidence.band != "high"))
    if existed is None or existed.status != "open":
        kind = "Draft pull request" if pr.draft else "Pull request"
        usage = f"\n\n{state.model_usage.line()}" if state.model_usage else ""
        ctx.tracker.comment(ticket.key, plain(
            f"{kind} for review: {pr.url} (branch `{branch}`; {chosen.fix_class}, "
            f"confidence {confidence.score:.2f}){usage}"))
    ctx.tracker.transition(ticket.key, TicketStatus.IN_REVIEW)
    return {"pull_request": pr, "confidence": confidence,
            "_summary": f"{'draft ' if pr.draft else ''}PR #{pr.number} on {branch}"}
