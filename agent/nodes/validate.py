"""validate: find the reproduction (the regression test, or a ci alert's failing tests), then
search: targeted candidates, mutations, full revert; each in the warm worker (fork per
candidate), the winner confirmed by the repository's own test command in the sandbox.

Every run is in the repository's environment (the environment stage), checked again for the
base commit: the worker on the environment's interpreter and pytest, or, when that is not
possible, one test process per candidate, with the reason in `environment.runner`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import describe, prepare
from agent.environment import sandbox as env_sandbox
from agent.nodes.base import stage
from agent.nodes.environment import build_failure
from agent.repair import localise
from agent.repair.base import RepairInput
from agent.repair.inputs import build_input
from agent.repair.llm import ModelRepair
from agent.repair.llm_budget import Budget
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
from agent.state import Environment, IncidentState, ModelUsage, RootCause
from tools import vcs
from tools.ports import Alert, Sandbox
from tools.repo_env import EnvBuildError

COLD = "one test process per candidate"


def _runner(ctx: Context, sandbox: Sandbox, workdir: Path, env: Environment,
            notes: list[str]) -> tuple[TestRunner, WarmWorker | None, str]:
    """The warm worker in the repository's environment, or the cold runner and why."""
    command = env.test_command
    cold = ColdRunner(sandbox, workdir, command)
    if env.test_kind == "custom":
        return cold, None, (f"{COLD}: the test command ({' '.join(command)}) is not pytest or "
                            "unittest, which the warm worker would have to stand in for")
    worker = WarmWorker(sandbox, workdir, python="python", pytest_args=env.pytest_args,
                        session_timeout_s=ctx.settings.test_timeout_s + 900,
                        parallel=ctx.settings.worker_parallel, swap=ctx.settings.worker_swap,
                        direct=ctx.settings.worker_direct)
    try:
        worker.start()
        return FallbackRunner(worker, cold, notes), worker, "warm worker"
    except (WorkerError, OSError) as exc:
        worker.close()
        why = f"{COLD}: the warm worker could not start in the repository's environment ({exc})"
        notes.append(why)
        return cold, None, why


def _warm(runner: TestRunner) -> bool:
    """The warm worker still runs the candidates (it was not lost at the baseline)."""
    return isinstance(runner, FallbackRunner) and runner.primary is not None


def _lost(how: str, runner: TestRunner) -> str:
    if isinstance(runner, FallbackRunner) and runner.primary is None:
        return f"{COLD} after the warm worker was lost mid-search"
    return how


def _ask_model(ctx: Context, search: Search, inp: RepairInput, alert: Alert, rc: RootCause,
               incident: str) -> ModelUsage | None:
    """The model's rounds after the engine's search, when configured and wanted."""
    if ctx.model is None:
        if ctx.settings.llm_mode != "off":
            search.result.notes.append(f"llm_mode is {ctx.settings.llm_mode} but no model is "
                                       "configured (ALERTFIX_LLM_PROVIDER)")
        return None
    repair = ModelRepair(ctx.model, ctx.settings, Budget.from_settings(ctx.settings))
    why_not = repair.wanted(search.result.chosen)
    if why_not is not None:
        if ctx.settings.llm_mode != "off":
            search.result.notes.append(f"model not asked: {why_not}")
        return None
    usage = repair.run(search, inp, alert, rc)
    ctx.audit.record(incident, "model", **usage.model_dump(), tokens=usage.tokens)
    return usage


@stage("validate")
def validate(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert = runtime.context, state.root_cause, state.alert
    assert rc is not None and alert is not None
    repo = ctx.clone()
    timeout = ctx.settings.test_timeout_s
    inp = build_input(repo, rc, alert)
    assert inp is not None  # repair escalates first otherwise
    regression, notes = state.regression_test, list(state.repair_notes)
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    with vcs.worktree(repo, rc.base_sha, parent=worktrees) as workdir:
        try:  # the base commit's dependencies: the same environment unless they changed
            env = prepare(ctx, state, workdir)
        except EnvBuildError as exc:
            return {"escalation": build_failure(exc), "_summary": f"build failed: {exc}"}
        if state.environment is None or env.key != state.environment.key \
                or env.service != state.environment.service:
            notes.append(describe(env) + " (for the base commit)")
        sandbox, command = env_sandbox(ctx, env), env.test_command
        if regression is not None:
            (workdir / regression.path).parent.mkdir(parents=True, exist_ok=True)
            (workdir / regression.path).write_text(regression.source)
        started = time.monotonic()
        runner, worker, how = _runner(ctx, sandbox, workdir, env, notes)
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
            localisation = (localise.at_base(worker, baseline, reproduction, inp, timeout,
                                             notes)
                            if worker is not None and _warm(runner) else None)
            module_tests = module_tests_finder(workdir)
            if localisation is not None:
                module_tests = localisation.picker(module_tests, workdir)
            validator = Validator(runner, at_base, reproduction, per_candidate, module_tests,
                                  preservation=Preservation(workdir, at_base, per_candidate,
                                                            notes))
            confirm = confirm_on_disk(ColdRunner(sandbox, workdir, command), validator,
                                      timeout)
            searched = time.monotonic()
            search = Search(validator, confirm, mutation_budget=ctx.settings.mutation_budget,
                            seconds=ctx.settings.search_seconds,
                            extra_candidates=ctx.settings.search_extra_candidates,
                            localisation=localisation)
            result = search.run(inp, state.candidates)
            usage = _ask_model(ctx, search, inp, alert, rc, state.incident_id)
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
        "model_usage": usage,
        "candidates": result.candidates, "validations": validations, "chosen": chosen,
        "regression_test": regression, "repair_notes": notes,
        "suspicious_lines": localisation.evidence() if localisation is not None else [],
        "environment": env.model_copy(update={"runner": _lost(how, runner)}),
        "_summary": (f"{chosen.strategy} passed after {len(validations)} candidate(s)" if chosen
                     else f"none of {len(validations)} candidate(s) passed"),
    }
    if chosen is None:
        tried = "; ".join(f"{v.candidate_id}: {v.detail}" for v in validations[:8])
        update["escalation"] = (f"no candidate passed validation ({len(validations)} tried). "
                                + tried)
    return update
