"""`alertfix eval`: run incident cases end to end on the embedded adapters and judge them.

A case runs in a temp dir of its own (repository, alertfix home, judge checkout), so cases
are independent and `--jobs N` runs them in a process pool. Whatever goes wrong inside one
case becomes that case's status "error" with a one-line reason; the eval itself carries on.

Recorded API answers (a case's `api/` folder) are served on 127.0.0.1 and read through the
real API client, as the server's dispatcher does before it starts an incident (PagerDuty:
the incident's alerts are joined into the webhook body; see evals/recorded_api.py). The
folder's path is also in the environment variable ALERTFIX_RECORDED_API while the agent
runs, for adapters that read recordings themselves (a Settings field named `recorded_api`
would pick it up as is).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from agent.environment import sandbox_of, test_command
from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.settings import Settings
from agent.state import IncidentState
from evals import scorers
from evals.cases_io import (
    DEFAULT_CASES,
    CaseError,
    CaseSpec,
    build_repository,
    discover,
    load_case,
    select,
)
from evals.recorded_api import complete_payload
from evals.report import (
    BaselineError,
    CaseResult,
    Results,
    compare,
    load_results,
    make_results,
    summary_line,
    write_all,
)
from tools import vcs
from tools.sandbox import SubprocessSandbox

RECORDED_API_ENV = "ALERTFIX_RECORDED_API"
REASON_CHARS = 300


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return reason[:REASON_CHARS]


@dataclass(frozen=True)
class ModelChoice:
    """`--model PROVIDER:MODEL` (replay: MODEL is the recordings folder), with the mode and
    where to record. The server's URL and key come from ALERTFIX_LLM_BASE_URL and
    ALERTFIX_LLM_API_KEY, as for a run."""

    provider: Literal["openai", "anthropic", "replay"]
    model: str
    mode: Literal["fallback", "always"] = "fallback"
    record: Path | None = None

    @classmethod
    def parse(cls, spec: str, mode: str = "fallback", record: Path | None = None) -> ModelChoice:
        provider, _, model = spec.partition(":")
        if provider not in ("openai", "anthropic", "replay") or not model:
            raise CaseError(f"--model {spec!r}: expected PROVIDER:MODEL with PROVIDER one of "
                            "openai, anthropic, replay (replay:FOLDER)")
        if mode not in ("fallback", "always"):
            raise CaseError(f"--llm-mode {mode!r}: expected fallback or always")
        if provider == "replay" and not Path(model).is_dir():
            raise CaseError(f"--model {spec}: {model} is not a folder of recorded answers")
        return cls(provider, model, mode, record)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def eval_settings(home: Path, case: CaseSpec, model: ModelChoice | None = None) -> Settings:
    """A fresh alertfix on the embedded adapters, whatever the environment configures; with
    `model`, that model and nothing else (without, none, whatever ALERTFIX_LLM_* say)."""
    base = Settings(home=home, state_db=None, tracker="local", forge="local")
    prefixes = [case.repo.path_prefix] if case.repo.path_prefix else []
    llm: dict[str, object] = {"llm_provider": None, "llm_mode": "off", "llm_record_dir": None}
    if model is not None:
        llm = {"llm_provider": model.provider, "llm_model": model.model,
               "llm_mode": model.mode, "llm_record_dir": model.record}
    return base.model_copy(update={
        "path_prefixes": prefixes + [p for p in base.path_prefixes if p not in prefixes],
        **llm})


@contextlib.contextmanager
def recorded_api(api_dir: Path | None) -> Iterator[None]:
    previous = os.environ.pop(RECORDED_API_ENV, None)
    if api_dir is not None:
        os.environ[RECORDED_API_ENV] = str(api_dir)
    try:
        yield
    finally:
        os.environ.pop(RECORDED_API_ENV, None)
        if previous is not None:
            os.environ[RECORDED_API_ENV] = previous


def _no_pr_note(state: IncidentState, status: str) -> str:
    """Why the run ended without a pull request: the escalation, else where it stopped."""
    if state.escalation:
        return state.escalation
    last = state.timeline[-1] if state.timeline else None
    where = f"; last stage {last.stage}: {last.summary}" if last else ""
    return f"no pull request ({status}){where}"


def score(case: CaseSpec, state: IncidentState, status: str, settings: Settings,
          seconds: float, scratch: Path) -> CaseResult:
    """Judge what the agent left behind: its PR branch, root cause and chosen patch."""
    suspects = [s.sha for s in state.root_cause.suspects] if state.root_cause else []
    result = CaseResult(
        id=case.id, source=case.source, tags=case.tags, status="unfixed",
        rca_rank=scorers.rca_rank(case.expected.culprit, suspects),
        candidates=len(state.validations), seconds=round(seconds, 2),
        has_culprit=bool(case.expected.culprit),
        tokens=state.model_usage.tokens if state.model_usage else 0,
        cost=round(state.model_usage.cost, 6) if state.model_usage else 0.0,
        confidence=state.confidence.score if state.confidence else None)
    chosen = state.chosen
    if chosen is not None:
        result.fix_class = chosen.fix_class
        result.strategy = chosen.strategy
        result.lines_changed = chosen.lines_changed
        before = ""
        if state.root_cause is not None:
            with vcs.open_repo(Path(state.repo.origin)) as origin:
                before = vcs.show_file(origin, state.root_cause.base_sha, chosen.path) or ""
        result.localized = scorers.is_localized(chosen.path, before, chosen.new_source,
                                                case.expected.files, case.expected.functions)
    if state.pull_request is None:
        result.note = _no_pr_note(state, status)
        return result
    result.pull_request = "draft" if state.pull_request.draft else "ready"
    # The judge runs in the repository's environment too, with its test command.
    sandbox = sandbox_of(state.environment) if state.environment else SubprocessSandbox()
    judgement = scorers.judge_branch(
        state.repo.origin, state.pull_request.branch, case.judge_dir, case.judge.argv(),
        case.judge.timeout_s, test_command(state), settings.test_timeout_s,
        scratch / "judged", sandbox)
    result.status = judgement.verdict
    result.note = judgement.detail
    return result


def run_case(folder: Path, model: ModelChoice | None = None) -> CaseResult:
    """Build, run and judge one case folder; never raises for what happens inside it."""
    started = time.monotonic()
    try:
        case = load_case(folder)
    except CaseError as exc:
        return CaseResult(id=folder.name, source="unknown", status="error", error=str(exc))
    try:
        with tempfile.TemporaryDirectory(prefix=f"alertfix-eval-{case.id[:40]}-",
                                         ignore_cleanup_errors=True) as tmp:
            scratch = Path(tmp)
            # The repository lives apart from the case folder: the agent never sees judge/.
            repo_dir = build_repository(case, scratch / case.id)
            payload = case.alert_payload()
            settings = eval_settings(scratch / ".alertfix", case, model)
            runtime = IncidentService(settings)
            repo = runtime.register_local_repo(repo_dir, case.repo.default_branch,
                                               case.repo.test_argv(), python=case.repo.python,
                                               setup=case.repo.setup_command())
            with recorded_api(case.api_dir):
                alert_at = time.monotonic()
                payload = complete_payload(case.source, payload, case.api_dir)
                report = runtime.receive(incoming(case.source, payload), repo)
                seconds = time.monotonic() - alert_at
            if report.state is None:
                raise RuntimeError(f"the incident did not start ({report.status})")
            return score(case, report.state, report.status, settings, seconds, scratch)
    except CaseError as exc:  # the folder is at fault; its message says how
        return CaseResult(id=case.id, source=case.source, tags=case.tags, status="error",
                          seconds=round(time.monotonic() - started, 2), error=str(exc))
    except Exception as exc:  # one broken case must not stop the eval
        return CaseResult(id=case.id, source=case.source, tags=case.tags, status="error",
                          seconds=round(time.monotonic() - started, 2), error=one_line(exc))


def _crashed(folder: Path, exc: BaseException) -> CaseResult:
    """A worker process that died takes its case with it; the case records why."""
    try:
        case = load_case(folder)
        return CaseResult(id=case.id, source=case.source, tags=case.tags, status="error",
                          error=f"worker failed: {one_line(exc)}")
    except CaseError as bad:
        return CaseResult(id=folder.name, source="unknown", status="error", error=str(bad))


def run_cases(folders: list[Path], jobs: int,
              on_done: Callable[[CaseResult], None] = lambda _: None,
              model: ModelChoice | None = None) -> list[CaseResult]:
    """Every case's result; `jobs` > 1 runs them in a pool of fresh processes."""
    results: list[CaseResult] = []
    if jobs <= 1 or len(folders) <= 1:
        for folder in folders:
            results.append(run_case(folder, model))
            on_done(results[-1])
        return results
    # spawn: workers start clean rather than forking a parent that runs a progress thread.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(folders)), mp_context=context) as pool:
        futures: dict[Future[CaseResult], Path] = {
            pool.submit(run_case, folder, model): folder for folder in folders}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # BrokenProcessPool, an unpicklable result
                result = _crashed(futures[future], exc)
            results.append(result)
            on_done(result)
    return results


def _progress(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]eval[/]"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
                    console=console, transient=False)


def _line(result: CaseResult) -> str:
    extra = result.error if result.status == "error" else result.note
    extra = f" — {extra[:120]}" if extra else ""
    return f"{result.status:>9}  {result.id}  ({result.seconds:.1f} s){extra}"


def eval_command(cases: Path, only: list[str], jobs: int, out: Path,
                 baseline: Path | None, model: str | None = None, llm_mode: str = "fallback",
                 record: Path | None = None) -> int:
    """Run the cases and write the reports; with `model`, each case runs without it and then
    with it, and the report compares the two. Exit code: 0 ok, 1 a case errored or fewer
    cases are fixed than in the baseline, 2 the command could not start."""
    console = Console(stderr=True, soft_wrap=True)
    try:
        folders = select(discover(cases), only)
        earlier: Results | None = load_results(baseline) if baseline else None
        choice = ModelChoice.parse(model, llm_mode, record) if model else None
        if record is not None and choice is None:
            raise CaseError("--record needs --model: it stores the model's answers")
    except (CaseError, BaselineError) as exc:
        console.print(f"alertfix eval: {exc}", markup=False, highlight=False)
        return 2
    if not folders:
        console.print(f"alertfix eval: no case folders (with case.toml) in {cases}",
                      markup=False, highlight=False)
        return 2
    started = time.monotonic()
    runs = [None, choice] if choice is not None else [None]
    outcomes: list[Results] = []
    with _progress(console) as progress:
        for run_model in runs:
            what = f" with {run_model}" if run_model else (" without a model" if choice else "")
            task = progress.add_task(f"{len(folders)} case(s){what}, {jobs} at a time",
                                     total=len(folders))

            def done(result: CaseResult, task: TaskID = task) -> None:
                progress.console.print(_line(result), markup=False, highlight=False)
                progress.update(task, advance=1, description=f"last: {result.id}")

            outcomes.append(make_results(run_cases(folders, jobs, done, run_model)))
    results = outcomes[-1]
    diff = compare(results, earlier) if earlier else None
    paths = write_all(out, results, diff,
                      (str(choice), outcomes[0]) if choice is not None else None)
    console.print(summary_line(results.totals).replace("**", ""), markup=False,
                  highlight=False)
    console.print(f"{len(folders)} case(s) in {time.monotonic() - started:.1f} s; "
                  f"wrote {paths['results']}, {paths['report']}, {paths['junit']}",
                  markup=False, highlight=False)
    failed = results.totals.error > 0
    if diff is not None and diff.regressed:
        console.print(f"alertfix eval: {diff.fixed_now} fixed, the baseline had "
                      f"{diff.fixed_before} on the same cases", markup=False, highlight=False)
        failed = True
    return 1 if failed else 0


__all__ = ["DEFAULT_CASES", "ModelChoice", "eval_command", "run_case", "run_cases"]
