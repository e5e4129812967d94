"""Generate and check the independent incident cases (evals/cases/ind-*).

    python -m evals.independent.make_cases generate [--only ID ...]
    python -m evals.independent.make_cases check [--only ID ...]

`generate` writes each case folder from its spec (build.sh, case.toml, alert.json, api/,
judge/). `check` rebuilds every case and proves what the case claims; see README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from evals.independent import alerts, buildsh
from evals.independent.checks import check_case
from evals.independent.model import Case
from evals.independent.registry import all_cases

CASES = Path(__file__).resolve().parent.parent / "cases"
JUDGE_COMMAND = "python -m pytest -q -p no:cacheprovider judge"


def dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def case_toml(case: Case, culprit: str) -> str:
    lines = [
        f"id = {json.dumps(case.id)}",
        f"title = {json.dumps(case.title)}",
        'origin = "independent"',
        f"source = {json.dumps(case.source)}",
        'alert = "alert.json"',
        f"received_at = {json.dumps(case.received_at)}",
        f"tags = {toml_list(case.tags)}",
        "",
        "[repo]",
        'default_branch = "main"',
    ]
    if case.source != "ci":
        lines.append(f'path_prefix = "{alerts.PREFIX}/"')
    lines += [
        "",
        "[expected]",
        f"culprit = {json.dumps(culprit)}",
        f"files = {toml_list(case.files)}",
        f"functions = {toml_list(case.functions)}",
        "",
        "[judge]",
        f"command = {json.dumps(JUDGE_COMMAND)}",
        "timeout_s = 120",
    ]
    return "\n".join(lines) + "\n"


def generate(case: Case, out: Path) -> None:
    """Write the case folder `out` (replacing it)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    script = out / "build.sh"
    script.write_text(buildsh.render(case))
    script.chmod(0o755)
    for name, text in sorted(case.judge.items()):
        (out / "judge").mkdir(exist_ok=True)
        (out / "judge" / name).write_text(text)
    with tempfile.TemporaryDirectory(prefix="ind-gen-") as tmp:
        repo = Path(tmp) / "repo"
        buildsh.build(out, repo)
        head = buildsh.shas(repo)[-1]
        culprit = buildsh.sha_of(case, repo, case.culprit) if case.culprit else ""
        if case.source == "sentry":
            body, issue = alerts.sentry_alert(case, repo, head)
            issue_file = out / "api" / "sentry" / "issues" / f"{issue['id']}.json"
            issue_file.parent.mkdir(parents=True)
            issue_file.write_text(dump(issue))
        elif case.source == "pagerduty":
            body, answer, incident = alerts.pagerduty_alert(case, repo, head)
            answer_file = out / "api" / "pagerduty" / "incidents" / incident / "alerts.json"
            answer_file.parent.mkdir(parents=True)
            answer_file.write_text(dump(answer))
        else:
            from evals.independent.checks import pytest_summary, run_tests

            result = run_tests(repo)
            body = alerts.ci_alert(case, head, pytest_summary(result.stdout))
        (out / "alert.json").write_text(dump(body))
    (out / "case.toml").write_text(case_toml(case, culprit))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make_cases")
    parser.add_argument("command", choices=["generate", "check", "list"])
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--cases", type=Path, default=CASES)
    args = parser.parse_args(argv)
    chosen = [c for c in all_cases() if not args.only or c.id in args.only]
    if args.command == "list":
        for case in chosen:
            print(f"{case.id:45} {case.source:9} {case.kind:24} {case.position}")
        return 0
    if args.command == "generate":
        for case in chosen:
            generate(case, args.cases / case.id)
            print(f"generated {case.id}")
        return 0
    failed = 0
    for case in chosen:
        problems, notes = check_case(case, args.cases / case.id, generate)
        status = "ok" if not problems else "FAIL"
        print(f"{status:4} {case.id}" + (f"  ({'; '.join(notes)})" if notes else ""))
        for problem in problems:
            print(f"     - {problem}")
        failed += bool(problems)
    print(f"{len(chosen) - failed}/{len(chosen)} cases pass every check")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
