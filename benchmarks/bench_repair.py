"""Repair engine speed.

1. Candidates validated per second on a small repository: the same mutants of one function,
   validated on the reproduction and the module's tests by the warm worker (fork per
   candidate) and by a fresh sandboxed `python -m pytest` per candidate, in the same run;
   the ratio is the speed-up. `warm_recorded_per_s` is the warm worker again with behaviour
   preservation's call recorder on (as validation runs the module's tests).
2. The median time from the alert to a validated candidate over incident cases: each case
   run end to end (embedded adapters, as `alertfix eval` does), timed from the alert to the
   end of the validate stage.

    .venv/bin/python benchmarks/bench_repair.py [--candidates 40] [--cold 6]
                                                [--cases evals/cases] [--only ID ...]
"""

from __future__ import annotations

import argparse
import json
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


def throughput(candidates: int, cold: int) -> dict[str, float]:
    sandbox = SubprocessSandbox()
    with tempfile.TemporaryDirectory(prefix="bench-repair-") as tmp:
        root = Path(tmp)
        small_repository(root)
        symbol = code_index.find_function(FEES, "shipping_fee")
        assert symbol is not None
        inp = RepairInput(path="shop/fees.py", source=FEES, function="shipping_fee",
                          function_start=symbol.start_line, function_end=symbol.end_line,
                          line=symbol.start_line + 2, exception_type="",
                          exception_message="")
        mutants = MutationSearch(inp, candidates).singles_candidates()
        assert isinstance(mutants, list)
        tests = ["tests/test_fees.py"]
        started = time.monotonic()
        with WarmWorker(sandbox, root) as worker:
            ready = time.monotonic() - started
            began = time.monotonic()
            for mutant in mutants:
                worker.run(mutant.changed_files(), tests, 30)
            warm_seconds = time.monotonic() - began
            install_probe(root)
            (root / CONFIG).write_text(json.dumps(
                {"functions": [["shop/fees.py", "shipping_fee"]], "out": CALLS}))
            began = time.monotonic()
            for mutant in mutants:
                worker.run(mutant.changed_files(), [*PLUGIN, *tests], 30)
            recorded_seconds = time.monotonic() - began
        runner = ColdRunner(sandbox, root, ["python", "-m", "pytest", "-q"])
        began = time.monotonic()
        for mutant in mutants[:cold]:
            runner.run(mutant.changed_files(), tests, 120)
        cold_seconds = time.monotonic() - began
    warm_rate = len(mutants) / warm_seconds
    cold_rate = min(cold, len(mutants)) / cold_seconds
    return {"candidates_warm": len(mutants), "worker_start_s": round(ready, 2),
            "warm_per_s": round(warm_rate, 2),
            "warm_recorded_per_s": round(len(mutants) / recorded_seconds, 2),
            "candidates_cold": min(cold, len(mutants)),
            "cold_per_s": round(cold_rate, 3), "speedup": round(warm_rate / cold_rate, 1)}


def case_times(cases: Path, only: list[str]) -> dict[str, object]:
    from agent.runtime import AlertfixRuntime
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
            runtime = AlertfixRuntime(eval_settings(scratch / ".alertfix", case))
            repo = runtime.register_local_repo(repo_dir, case.repo.default_branch,
                                               case.repo.test_argv())
            with recorded_api(case.api_dir):
                payload = complete_payload(case.source, case.alert_payload(), case.api_dir)
                report = runtime.start(case.source, payload, repo)
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
    parser.add_argument("--cold", type=int, default=6, help="candidates run cold")
    parser.add_argument("--cases", type=Path, default=None, help="incident cases folder")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    print(json.dumps({"throughput": throughput(args.candidates, args.cold)}, indent=2),
          flush=True)
    if args.cases is not None:
        print(json.dumps({"cases": case_times(args.cases, args.only)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
