"""validate: prove a candidate in a sandboxed test run, in a worktree of the base commit."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage
from agent.repair.search import validate_candidates
from agent.state import IncidentState
from tools import vcs


@stage("validate")
def validate(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert = runtime.context, state.root_cause, state.alert
    assert rc is not None and alert is not None
    repo = ctx.clone()
    command, timeout = state.repo.test_command, ctx.settings.test_timeout_s
    regression = state.regression_test
    notes = []
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    with vcs.worktree(repo, rc.base_sha, parent=worktrees) as workdir:
        if regression is not None:
            test_file = workdir / regression.path
            test_file.parent.mkdir(parents=True, exist_ok=True)
            test_file.write_text(regression.source)
            before = ctx.sandbox.run(workdir, [*command, regression.nodeid], timeout)
            reproduces = not before.passed and alert.exception_type in before.output
            regression = regression.model_copy(update={"reproduces": reproduces})
            if not reproduces:
                notes.append(f"regression test {regression.nodeid} did not reproduce "
                             f"{alert.exception_type} at {rc.base_sha[:10]}; left out")
                test_file.unlink()
        chosen, validations = validate_candidates(
            ctx.sandbox, workdir, state.candidates,
            regression if regression and regression.reproduces else None, command, timeout)
    update: dict[str, Any] = {
        "validations": validations, "chosen": chosen,
        "regression_test": regression if regression and regression.reproduces else None,
        "repair_notes": state.repair_notes + notes,
        "_summary": (f"{chosen.strategy} passed after {len(validations)} candidate(s)" if chosen
                     else f"none of {len(validations)} candidate(s) passed"),
    }
    if chosen is None:
        tried = "; ".join(
            f"{v.candidate_id}: {v.detail or 'failing ' + ', '.join(v.failed_tests[:3])}"
            for v in validations[:8])
        update["escalation"] = (f"no candidate passed validation ({len(validations)} tried). "
                                + tried)
    return update
