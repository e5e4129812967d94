"""repair: candidate patches of the faulty function (templates, partial revert), and a
regression test from the event, asserting the value the culprit's parent returned for the
same input where it can (agent.repair.oracle). Mutation search and the full revert need test
runs, so they happen in validate, after these."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import sandbox as env_sandbox
from agent.nodes.base import stage
from agent.repair.inputs import build_input
from agent.repair.oracle import differential_test
from agent.repair.regression import test_dir, write_regression_test
from agent.repair.search import propose_candidates
from agent.state import IncidentState
from tools import vcs


@stage("repair")
def repair(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert = runtime.context, state.root_cause, state.alert
    assert rc is not None and alert is not None and state.ticket is not None
    repo = ctx.clone()
    inp = build_input(repo, rc, alert)
    if inp is None:
        return {"escalation": "RCA located no faulty function to repair",
                "_summary": "nothing to repair"}
    candidates, notes = propose_candidates(inp, ctx.settings.max_candidates)
    files = vcs.list_files(repo, rc.base_sha)
    sources = {f.repo_path: inp.repo_sources.get(f.repo_path)
               or vcs.show_file(repo, rc.base_sha, f.repo_path) or ""
               for f in rc.frames if f.in_app and f.repo_path}
    regression = None
    if alert.source != "ci":  # a ci alert's reproduction is the failing test itself
        no_value = "there is no culprit commit whose parent could show the expected value"
        if inp.culprit is not None and not rc.no_culprit_in_history:
            worktrees = ctx.settings.home / "worktrees"
            worktrees.mkdir(parents=True, exist_ok=True)
            regression, no_value = differential_test(
                env_sandbox(ctx, state.environment), repo, "python", alert, rc.frames,
                sources, rc.base_sha, inp.culprit, test_dir(files), state.ticket.key, worktrees)
        if regression is None:
            regression = write_regression_test(alert, rc.frames, sources, test_dir(files),
                                               state.ticket.key, no_value=no_value)
            if regression is not None:
                notes.append(f"regression test: {regression.oracle_strength}, not the value "
                             f"returned before the culprit: {no_value}")
        if regression is None:
            notes.append("regression test: the arguments of the failing call could not be "
                         "rebuilt from the event (no in-app frame had all of them captured "
                         "as values)")
    return {"candidates": candidates, "repair_notes": notes, "regression_test": regression,
            "_summary": f"{len(candidates)} targeted candidate(s); mutation search and "
                        "revert follow in validate"}
