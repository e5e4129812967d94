"""rca: the faulty code, the commit that broke it and the deploy that shipped it, with the
evidence; `confirm` later reruns the regression test at the top suspect and its parent.

The analysis itself is `agent.rca.analyse.analyse` (callable without the graph); this node
gathers its inputs from the context and posts the result on the ticket.
"""

from __future__ import annotations

from typing import Any

import git
from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import sandbox, test_command
from agent.nodes.base import plain, stage, text
from agent.rca.analyse import NothingToAnalyse, Options, Runner, analyse
from agent.rca.confirm import Reproduction, confirm_root_cause
from agent.rca.explain import explain, web_url
from agent.rca.window import first_sighting
from agent.state import IncidentState


def _runner(state: IncidentState, ctx: Context) -> Runner:
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    return Runner(sandbox(ctx, state.environment), test_command(state),
                  ctx.settings.test_timeout_s, worktrees)


@stage("rca")
def rca(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, alert = runtime.context, state.alert
    assert alert is not None and state.ticket is not None
    repo = ctx.clone()
    deploys = ctx.deploys.deploys()
    # The events received so far tell under which deploy the fault first appeared.
    seen = first_sighting(lambda since: ctx.events.count_events(alert.fingerprint, since),
                          deploys, alert.occurred_at)
    options = Options(default_ref=f"origin/{state.repo.default_branch}",
                      prefixes=state.repo.path_prefixes + ctx.settings.path_prefixes,
                      web_url=web_url(ctx.forge.clone_url()), runner=_runner(state, ctx),
                      first_seen=seen)
    try:
        rc = analyse(alert, repo, deploys, options)
    except NothingToAnalyse as exc:
        return {"escalation": str(exc), "_summary": "nothing to analyse"}
    except git.GitCommandError as exc:  # a broken clone: name the git command, never its args
        command = exc.command[1] if isinstance(exc.command, list) and len(exc.command) > 1 \
            else "git"
        return {"escalation": f"RCA stopped on a git error: `git {command}` exited "
                              f"{exc.status}", "_summary": "git error"}
    ctx.tracker.comment(state.ticket.key, "**Root cause (alertfix)**\n\n" + text(
        "root_cause.md.j2", rc=rc))
    if rc.location is None:
        return {"root_cause": rc, "escalation": "RCA found no faulty function to repair: "
                + rc.explanation, "_summary": "no location"}
    loc = rc.location
    top = ("no culprit in history" if rc.no_culprit_in_history
           else f"culprit {rc.suspects[0].sha[:10]}" if rc.suspects else "no suspect")
    return {"root_cause": rc, "_summary": f"{loc.function} at {loc.path}:{loc.line}, {top}"}


@stage("confirm")
def confirm(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run the reproducing regression test at the top suspect and its parent (bisecting the
    window when that does not confirm it); the ticket hears the outcome."""
    ctx, rc, alert, test = runtime.context, state.root_cause, state.alert, state.regression_test
    if rc is None or alert is None or test is None or not test.reproduces:
        return {"_summary": "no reproducing test: not confirmed"}
    if rc.confirmed is not None:
        return {"_summary": "already done"}  # a re-run after a crash: the result stands
    reproduction = Reproduction(command=test_command(state), nodeids=[test.nodeid],
                                files={test.path: test.source},
                                exception_type=alert.exception_type,
                                timeout_s=ctx.settings.test_timeout_s)
    runner = _runner(state, ctx)
    confirmed = confirm_root_cause(rc, runner.sandbox, ctx.clone(), reproduction,
                                   runner.worktrees)
    confirmed.explanation = explain(confirmed, alert.exception_type)
    if state.ticket is not None:
        ctx.tracker.comment(state.ticket.key, plain(
            "**Root cause check (alertfix)**: " + confirmed.confirmation))
    return {"root_cause": confirmed, "_summary": confirmed.confirmation[:120]}
