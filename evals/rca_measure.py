"""Measure RCA alone on incident cases: top-1 / top-3 against `expected.culprit`, "no culprit
in history" said plainly for culprit-less cases, and localisation (file and function).

    .venv/bin/python -m evals.rca_measure [--cases DIR] [--only ID ...] [--no-run] [-v]

Each case's repository is built (build.sh or repo.bundle), its alert parsed with
`tools.monitors.parse_alert` after `evals.recorded_api.complete_payload` joined in the
recorded answers (PagerDuty `GET /incidents/<id>/alerts`, Sentry `GET /issues/<id>/`), as the
dispatcher would fetch them, and only `agent.rca.analyse` runs, with the
subprocess sandbox for CI alerts (and none of the other stages).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import git

from agent.rca.analyse import NothingToAnalyse, Options, Runner, analyse
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
from evals.scorers import same_commit
from tools import vcs
from tools.monitors import parse_alert
from tools.sandbox import SubprocessSandbox


def _payload(case: CaseSpec) -> Any:
    """The payload completed from the case's recorded API answers through the real clients,
    as the harness does (PagerDuty alert details, the Sentry issue's firstSeen)."""
    return complete_payload(case.source, case.alert_payload(), case.api_dir)


def measure(case: CaseSpec, work: Path, run_code: bool) -> dict[str, Any]:
    repo_path = build_repository(case, work / case.id)
    with git.Repo(repo_path) as repo:
        return _measure(case, work, run_code, repo, repo_path)


def _measure(case: CaseSpec, work: Path, run_code: bool, repo: git.Repo,
             repo_path: Path) -> dict[str, Any]:
    alert = parse_alert(case.source, _payload(case))
    deploys = vcs.TagDeployHistory(repo_path).deploys()
    prefixes = [case.repo.path_prefix] if case.repo.path_prefix else []
    runner = None
    if run_code:
        (work / "wt").mkdir(exist_ok=True)
        runner = Runner(SubprocessSandbox(), case.repo.test_argv() or
                        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                        120.0, work / "wt")
    started = time.monotonic()
    row: dict[str, Any] = {"id": case.id, "source": case.source,
                           "culprit": case.expected.culprit[:10]}
    try:
        rc = analyse(alert, repo, deploys, Options(default_ref=case.repo.default_branch,
                                                   prefixes=prefixes, runner=runner))
    except NothingToAnalyse as exc:
        return {**row, "error": str(exc), "seconds": round(time.monotonic() - started, 2)}
    shas = [s.sha for s in rc.suspects]
    expected = case.expected.culprit
    rank = next((i for i, sha in enumerate(shas, 1) if same_commit(expected, sha)), None)
    loc = rc.location
    row.update(
        seconds=round(time.monotonic() - started, 2),
        suspects=[s[:10] for s in shas[:3]],
        no_culprit=rc.no_culprit_in_history,
        top1=bool(expected) and rank == 1 and not rc.no_culprit_in_history,
        top3=bool(expected) and rank is not None and rank <= 3,
        plain_no_culprit=(not expected) and rc.no_culprit_in_history,
        file_ok=bool(loc) and loc is not None and loc.path in case.expected.files,
        function_ok=bool(loc) and loc is not None and (
            loc.function in case.expected.functions
            or loc.function.rsplit(".", 1)[-1] in case.expected.functions),
        location=f"{loc.path}:{loc.function}:{loc.line}" if loc else None,
        confidence=rc.confidence, confirmed=rc.confirmed)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.rca_measure", description=__doc__)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--no-run", action="store_true", help="never run code (CI cases fail)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    folders = select(discover(args.cases), args.only)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rca-measure-") as tmp:
        for folder in folders:
            try:
                case = load_case(folder)
            except CaseError as exc:  # a broken case is reported, never the end of the run
                print(f"{folder.name:42} skipped: {exc}", flush=True)
                continue
            try:
                row = measure(case, Path(tmp), not args.no_run)
            except Exception as exc:  # one case's failure is that case's result
                row = {"id": case.id, "source": case.source,
                       "culprit": case.expected.culprit[:10],
                       "error": f"{type(exc).__name__}: {exc}"}
            rows.append(row)
            print(json.dumps(row) if args.verbose else
                  f"{row['id']:42} top1={row.get('top1')!s:5} top3={row.get('top3')!s:5} "
                  f"nocul={row.get('no_culprit')!s:5} file={row.get('file_ok')!s:5} "
                  f"fn={row.get('function_ok')!s:5} {row.get('error', '')}", flush=True)
    with_culprit = [r for r in rows if r["culprit"]]
    without = [r for r in rows if not r["culprit"]]
    total = {
        "cases": len(rows),
        "with_culprit": len(with_culprit),
        "top1": sum(bool(r.get("top1")) for r in with_culprit),
        "top3": sum(bool(r.get("top3")) for r in with_culprit),
        "no_culprit_cases": len(without),
        "no_culprit_said": sum(bool(r.get("plain_no_culprit")) for r in without),
        "wrong_no_culprit": sum(bool(r.get("no_culprit")) for r in with_culprit),
        "file_ok": sum(bool(r.get("file_ok")) for r in rows),
        "function_ok": sum(bool(r.get("function_ok")) for r in rows),
        "errors": sum("error" in r for r in rows),
        "seconds": round(sum(r.get("seconds", 0) for r in rows), 1),
    }
    print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
