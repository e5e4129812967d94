"""`python -m evals.generate [--out evals/cases] [--only ID ...] [--check]`."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evals.generate import Case, all_cases
from evals.generate.verify import check_behaviour, check_structure
from evals.generate.writer import write_case

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "cases"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.generate", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cases folder")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="generate only this case (repeatable)")
    parser.add_argument("--match", default="", metavar="TEXT",
                        help="generate only cases whose id contains TEXT")
    parser.add_argument("--check", action="store_true",
                        help="after writing, run each case: tests, judge, known-good fix")
    parser.add_argument("--jobs", type=int, default=1, help="cases checked in parallel")
    parser.add_argument("--list", action="store_true", help="list the case ids and exit")
    args = parser.parse_args(argv)
    cases = all_cases()
    if args.only:
        unknown = set(args.only) - {c.id for c in cases}
        if unknown:
            parser.error(f"unknown case id(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.id in args.only]
    if args.match:
        cases = [c for c in cases if args.match in c.id]
    if args.list:
        for c in cases:
            print(f"{c.id:40} {c.source:10} {' '.join(c.tags)}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)

    def one(case: Case) -> tuple[str, bool]:
        folder = write_case(case, args.out)
        if not args.check:
            return "written", True
        problems = check_structure(case, folder) + check_behaviour(case, folder)
        if problems:
            return "FAILED\n    " + "\n    ".join(problems), False
        return "ok", True

    failures = 0
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for case, (status, good) in zip(cases, pool.map(one, cases), strict=True):
            failures += not good
            print(f"{case.id}: {status}", flush=True)
    by_source = Counter(c.source for c in cases)
    print(f"{len(cases)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
