"""validate: find the reproduction (the regression test, or a ci alert's failing tests), then
search: targeted candidates, mutations, full revert; each in the warm worker (fork per
candidate), the winner confirmed by the repository's own test command in the sandbox."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage
from agent.repair.inputs import build_input
from agent.repair.preservation import Preservation
from agent.repair.runner import ColdRunner, FallbackRunner, TestRunner, WarmWorker, WorkerError
from agent.repair.search import Search
from agent.repair.validation import (
    Validator,
    confirm_on_disk,
    failures,
    module_tests_finder,
    outcomes,
    reproduction_from,
)
from agent.state import IncidentState
from tools import vcs


def _runner(ctx: Context, workdir: Path, command: list[str],
            notes: list[str]) -> tuple[TestRunner, WarmWorker | None]:
    python = command[0] if command and "python" in Path(command[0]).name else "python"
    worker = WarmWorker(ctx.sandbox, workdir, python=python,
                        session_timeout_s=ctx.settings.test_timeout_s + 900)
    try:
        worker.start()
        return FallbackRunner(worker, ColdRunner(ctx.sandbox, workdir, command), notes), worker
    except (WorkerError, OSError) as exc:
        worker.close()
        notes.append(f"warm worker unavailable ({exc}); one test process per candidate")
        return ColdRunner(ctx.sandbox, workdir, command), None


@stage("validate")
def validate(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert = runtime.context, state.root_cause, state.alert
    assert rc is not None and alert is not None
    repo = ctx.clone()
    command, timeout = state.repo.test_command, ctx.settings.test_timeout_s
    inp = build_input(repo, rc, alert)
    assert inp is not None  # repair escalates first otherwise
    regression, notes = state.regression_test, list(state.repair_notes)
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    with vcs.worktree(repo, rc.base_sha, parent=worktrees) as workdir:
        if regression is not None:
            (workdir / regression.path).parent.mkdir(parents=True, exist_ok=True)
            (workdir / regression.path).write_text(regression.source)
        started = time.monotonic()
        runner, worker = _runner(ctx, workdir, command, notes)
        ready = time.monotonic()
        try:
            baseline = runner.run({}, [], timeout)
            reproduction, regression = reproduction_from(alert, baseline, regression, notes)
            at_base = outcomes(baseline)
            if regression is None and state.regression_test is not None:
                dropped = state.regression_test.path
                (workdir / dropped).unlink(missing_ok=True)
                at_base = {n: o for n, o in at_base.items() if not n.startswith(dropped)}
            per_candidate = min(timeout, max(5.0, 5 * baseline.seconds))  # loops end here
            validator = Validator(runner, at_base, reproduction, per_candidate,
                                  module_tests_finder(workdir),
                                  preservation=Preservation(workdir, at_base, per_candidate,
                                                            notes))
            confirm = confirm_on_disk(ColdRunner(ctx.sandbox, workdir, command), validator,
                                      timeout)
            searched = time.monotonic()
            result = Search(validator, confirm, mutation_budget=ctx.settings.mutation_budget,
                            seconds=ctx.settings.search_seconds).run(inp, state.candidates)
            notes.append(f"timing: test runner ready in {ready - started:.1f} s, suite at the "
                         f"base {baseline.seconds:.1f} s, {len(result.validations)} "
                         f"candidate(s) in {time.monotonic() - searched:.1f} s "
                         f"({sum(validator.spent):.1f} s in tests)")
        finally:
            if worker is not None:
                worker.close()
    isolation = runner.isolation or "unknown"
    validations = [v if v.isolation else v.model_copy(update={"isolation": isolation})
                   for v in result.validations]
    notes += result.notes
    if baseline.timed_out or (baseline.exit_code not in (0, 1) and not failures(baseline)):
        notes.append(f"the suite at the base did not run cleanly (exit {baseline.exit_code})")
    chosen = result.chosen
    update: dict[str, Any] = {
        "candidates": result.candidates, "validations": validations, "chosen": chosen,
        "regression_test": regression, "repair_notes": notes,
        "_summary": (f"{chosen.strategy} passed after {len(validations)} candidate(s)" if chosen
                     else f"none of {len(validations)} candidate(s) passed"),
    }
    if chosen is None:
        tried = "; ".join(f"{v.candidate_id}: {v.detail}" for v in validations[:8])
        update["escalation"] = (f"no candidate passed validation ({len(validations)} tried). "
                                + tried)
    return update
