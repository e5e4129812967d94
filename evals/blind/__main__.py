"""`python -m evals.blind generate [--only ID]` writes the blind cases into evals/cases/;
`python -m evals.blind list` says what each one is (bug, right fix, trap);
`python -m evals.blind check [--only ID]` proves each one: the repository builds, the alert's
failure reproduces at head, the judge fails at head, passes with the known-good fix, and
refuses every wrong fix although that fix silences the alert."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from evals.blind.folder import run_tests, write_case
from evals.blind.model import Case, Edit
from evals.blind.specs import CASES
from evals.cases_io import DEFAULT_CASES, build_repository, load_case

ALL: tuple[Case, ...] = CASES


def _crashes(case: Case, root: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", case.crash], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    return done.returncode != 0


def _judge_passes(root: Path, judge: Path) -> bool:
    shutil.copytree(judge, root / "judge")
    try:
        return run_tests(root, "judge").returncode == 0
    finally:
        shutil.rmtree(root / "judge")


def _variant(base: Path, dest: Path, edits: tuple[Edit, ...]) -> Path:
    shutil.copytree(base, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for edit in edits:
        edit.apply(dest)
    return dest


def _alert_silenced(case: Case, root: Path) -> bool:
    """The visible symptom is gone: the crash no longer raises / the repository's tests pass."""
    if case.source == "sentry":
        return not _crashes(case, root) and run_tests(root).returncode == 0
    return run_tests(root).returncode == 0


def check(case: Case, cases_dir: Path) -> list[str]:
    """What is wrong with the committed folder of `case` (empty when it holds)."""
    problems: list[str] = []
    spec = load_case(cases_dir / case.id)
    with tempfile.TemporaryDirectory() as tmp:
        head = build_repository(spec, Path(tmp, "head"))
        own = run_tests(head).returncode == 0
        if case.source == "ci" and own:
            problems.append("repository tests pass at head (ci)")
        if case.source == "sentry" and (not own or not _crashes(case, head)):
            problems.append("at head: tests must pass and the crash must raise")
        if _judge_passes(head, spec.judge_dir):
            problems.append("judge passes at head")
        fixed = _variant(head, Path(tmp, "fix"), case.fix)
        if not _alert_silenced(case, fixed):
            problems.append("the known-good fix leaves the alert's failure")
        if not _judge_passes(fixed, spec.judge_dir):
            problems.append("judge fails with the known-good fix")
        for n, wrong in enumerate(case.wrong_fixes, start=1):
            patched = _variant(head, Path(tmp, f"wrong{n}"), wrong.edits)
            if not _alert_silenced(case, patched):
                problems.append(f"wrong fix {n} does not silence the alert: {wrong.why}")
            if _judge_passes(patched, spec.judge_dir):
                problems.append(f"judge accepts wrong fix {n}: {wrong.why}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.blind")
    parser.add_argument("command", choices=["generate", "check", "list"])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--out", type=Path, default=DEFAULT_CASES)
    args = parser.parse_args(argv)
    chosen = [c for c in ALL if not args.only or c.id in args.only]
    failed = 0
    for case in chosen:
        if args.command == "list":
            print(f"{case.id} ({case.source}, culprit {case.culprit} of {len(case.commits)})")
            for key in ("bug", "fix", "trap"):
                print(f"  {key}: {case.summary[key]}")
            continue
        if args.command == "generate":
            print(write_case(case, args.out))
            continue
        problems = check(case, args.out)
        failed += bool(problems)
        print(f"{case.id}: {'ok' if not problems else '; '.join(problems)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
