"""Repair engine speed.

1. Candidates validated per second on a small repository: the same mutants of one function,
   validated on the module's tests, in the same run, by
   - the warm worker with a fresh pytest session in each forked child (as it was before
     code swapping: `warm_fresh_session_per_s`);
   - the warm worker swapping the changed function's code and running the collected
     session's items through pytest's run-test protocol (`warm_swap_protocol_per_s`, as it
     was before direct calls);
   - the same calling plain tests directly, one child at a time (`warm_swap_per_s`) and two
     (`..._2_children`);
   - a fresh sandboxed `python -m pytest` per candidate (`cold_per_s`);
   and the ratios between them. `warm_recorded_per_s` is the two-child worker again with
   behaviour preservation's call recorder on (as validation runs the module's tests).
   With `--deps`, the same in a repository with a real dependency (`requests`, from the
   index): its environment is built by tools/repo_env.py (timed cold, with an empty cache,
   then found again as another process would find it), and both runners use it.
2. The median time from the alert to a validated candidate over incident cases: each case
   run end to end (embedded adapters, as `alertfix eval` does), timed from the alert to the
   end of the validate stage.

    .venv/bin/python benchmarks/bench_repair.py [--candidates 40] [--rounds 3] [--cold 6] [--deps]
                                                [--cases evals/cases] [--only ID ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.repair.base import RepairInput
from agent.repair.mutations import MutationSearch
from agent.repair.oracle import install_probe
from agent.repair.preservation import CALLS, CONFIG, PLUGIN
from agent.repair.runner import ColdRunner, WarmWorker
from tools import code_index
from tools.ports import Sandbox
from tools.repo_env import RepoEnvCache
from tools.sandbox import SubprocessSandbox

FEES = textwrap.dedent('''
    """Shipping fees."""

    FREE_FROM = 50


    def shipping_fee(subtotal, items, member=False):
        threshold = FREE_FROM - 10 if member else FREE_FROM
        if subtotal > threshold:
            return 0
        heavy = [i for i in items if i["kg"] > 5]
        return 4.9 + 2 * len(heavy)
''').lstrip()

TESTS = textwrap.dedent('''
    from shop.fees import shipping_fee


    def test_free_at_threshold():
        assert shipping_fee(50, []) == 0


    def test_member_threshold():
        assert shipping_fee(41, [], member=True) == 0


    def test_heavy_items_cost_more():
        assert shipping_fee(10, [{"kg": 6}, {"kg": 1}]) == 6.9


    def test_light_items():
        assert shipping_fee(10, [{"kg": 1}]) == 4.9
''').lstrip()


def small_repository(root: Path) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "fees.py").write_text(FEES)
    (root / "tests").mkdir()
    (root / "tests" / "test_fees.py").write_text(TESTS)


DEPENDENCY = "requests==2.32.3"


def environment(root: Path, cache: Path) -> tuple[Sandbox, dict[str, float]]:
    """The repository's environment, built cold, rebuilt with uv's cache warm, then found."""
    began = time.monotonic()
    RepoEnvCache(cache).ensure(root)
    cold = time.monotonic() - began
    env = RepoEnvCache(cache).ensure(root)
    began = time.monotonic()
    found = RepoEnvCache(cache).ensure(root)  # a new instance: as another process would
    cached = time.monotonic() - began
    assert found.reused and found.key == env.key
    shutil.rmtree(env.path)  # the environment gone, uv's download cache kept
    (env.path.parent / f"{env.key}.lock").unlink()
    began = time.monotonic()
    env = RepoEnvCache(cache).ensure(root)
    warm_uv = time.monotonic() - began
    return env.sandbox(), {"env_build_cold_s": round(cold, 2),
                           "env_build_uv_cache_warm_s": round(warm_uv, 2),
                           "env_found_cached_s": round(cached, 4),
                           "env_cold_over_cached": round(cold / cached, 1)}


def throughput(candidates: int, cold: int, deps: bool = False,
               rounds: int = 1) -> dict[str, object]:
    sandbox: Sandbox = SubprocessSandbox()
    built: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-repair-") as tmp:
        root = Path(tmp) / "repo"
        small_repository(root)
        if deps:  # the service imports a real dependency, as services do
            (root / "requirements.txt").write_text(DEPENDENCY + "\n")
            (root / "shop" / "__init__.py").write_text("import requests  # noqa: F401\n")
            sandbox, built = environment(root, Path(tmp) / "envs")
        symbol = code_index.find_function(FEES, "shipping_fee")
        assert symbol is not None
        inp = RepairInput(path="shop/fees.py", source=FEES, function="shipping_fee",
                          function_start=symbol.start_line, function_end=symbol.end_line,
                          line=symbol.start_line + 2, exception_type="",
                          exception_message="")
        mutants = MutationSearch(inp, candidates).singles_candidates()
        assert isinstance(mutants, list)
        tests = ["tests/test_fees.py"]
        batch = [(m.changed_files(), tests) for m in mutants]

        def rate(worker: WarmWorker, work: list[tuple[dict[str, str], list[str]]]) -> float:
            """The best of `rounds` passes over `work`: the machine's noise only slows."""
            best = 0.0
            for _ in range(rounds):
                began = time.monotonic()
                worker.run_many(work, 30, brief=True)  # as the search validates candidates
                best = max(best, len(work) / (time.monotonic() - began))
            return best

        # The worker as it was: a fresh pytest session in each forked child.
        with WarmWorker(sandbox, root, parallel=1, swap=False) as worker:
            fresh_rate = rate(worker, batch)
        with WarmWorker(sandbox, root, parallel=1, direct=False) as worker:
            protocol_rate = rate(worker, batch)
        started = time.monotonic()
        with WarmWorker(sandbox, root, parallel=1) as worker:
            ready = time.monotonic() - started
            swap_rate = rate(worker, batch)
            modes = dict(worker.modes)
        with WarmWorker(sandbox, root, parallel=2) as worker:
            parallel_rate = rate(worker, batch)
            install_probe(root)
            (root / CONFIG).write_text(json.dumps(
                {"functions": [["shop/fees.py", "shipping_fee"]], "out": CALLS}))
            recorded_rate = rate(worker, [(files, [*PLUGIN, *t]) for files, t in batch])
        runner = ColdRunner(sandbox, root, ["python", "-m", "pytest", "-q"])
        began = time.monotonic()
        for mutant in mutants[:cold]:
            runner.run(mutant.changed_files(), tests, 120)
        cold_seconds = time.monotonic() - began
    cold_rate = min(cold, len(mutants)) / cold_seconds
    return {**built, "candidates_warm": len(mutants), "rounds": rounds,
            "worker_start_s": round(ready, 2),
            "warm_fresh_session_per_s": round(fresh_rate, 2),
            "warm_swap_protocol_per_s": round(protocol_rate, 2),
            "warm_swap_per_s": round(swap_rate, 2), "swap_modes": modes,
            "warm_swap_2_children_per_s": round(parallel_rate, 2),
            "warm_recorded_per_s": round(recorded_rate, 2),
            "candidates_cold": min(cold, len(mutants)),
            "cold_per_s": round(cold_rate, 3),
            "swap_over_fresh_session": round(swap_rate / fresh_rate, 1),
            "direct_over_protocol": round(swap_rate / protocol_rate, 1),
            "swap_2_children_over_fresh_session": round(parallel_rate / fresh_rate, 1),
            "speedup_over_cold": round(parallel_rate / cold_rate, 1)}


def case_times(cases: Path, only: list[str]) -> dict[str, object]:
    from agent.incidents.alerts import incoming
    from agent.incidents.service import IncidentService
    from evals.cases_io import build_repository, load_case
    from evals.harness import eval_settings, recorded_api
    from evals.recorded_api import complete_payload

    times: dict[str, float | None] = {}
    for folder in sorted(p for p in cases.iterdir() if (p / "case.toml").exists()):
        if only and folder.name not in only:
            continue
        case = load_case(folder)
        with tempfile.TemporaryDirectory(prefix="bench-case-") as tmp:
            scratch = Path(tmp)
            repo_dir = build_repository(case, scratch / case.id)
            runtime = IncidentService(eval_settings(scratch / ".alertfix", case))
            repo = runtime.register_local_repo(repo_dir, case.repo.default_branch,
                                               case.repo.test_argv())
            with recorded_api(case.api_dir):
                payload = complete_payload(case.source, case.alert_payload(), case.api_dir)
                report = runtime.receive(incoming(case.source, payload), repo)
        state = report.state
        if state is None or state.chosen is None:
            times[case.id] = None
            continue
        first = state.timeline[0]
        validate = next(e for e in state.timeline if e.stage == "validate")
        end = validate.started_at.timestamp() + validate.seconds
        times[case.id] = round(end - first.started_at.timestamp(), 2)
        print(f"  {case.id}: {times[case.id]} s ({state.chosen.strategy})", flush=True)
    done = [t for t in times.values() if t is not None]
    return {"cases": len(times), "with_validated_candidate": len(done),
            "median_alert_to_validated_s": round(statistics.median(done), 2) if done else None,
            "per_case": times}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3,
                        help="passes over the candidates per warm mode; the best is reported")
    parser.add_argument("--cold", type=int, default=6, help="candidates run cold")
    parser.add_argument("--deps", action="store_true",
                        help=f"a repository that needs {DEPENDENCY}, in its own environment")
    parser.add_argument("--cases", type=Path, default=None, help="incident cases folder")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    print(json.dumps({"throughput": throughput(args.candidates, args.cold, args.deps,
                                                  args.rounds)},
                     indent=2), flush=True)
    if args.cases is not None:
        print(json.dumps({"cases": case_times(args.cases, args.only)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
