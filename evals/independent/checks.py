"""`make_cases.py check`: what every case claims, proven without the engine."""

from __future__ import annotations

import ast
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from evals.independent import buildsh
from evals.independent.model import Case, Commit, Deploy, Edit, apply, instant

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def run_tests(repo: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run([*PYTEST, "-rfE", *extra], cwd=repo, capture_output=True, text=True,
                          timeout=300, check=False, env=env)


def pytest_summary(stdout: str) -> str:
    """The failing test ids and the counts line, without timings or tracebacks."""
    lines = stdout.strip().splitlines()
    failing = [line.split(" - ")[0] for line in lines if line.startswith(("FAILED", "ERROR"))]
    counts = lines[-1].rsplit(" in ", 1)[0] if lines else ""
    return "\n".join([*failing, counts])


def patch(repo: Path, edits: list[Edit]) -> None:
    paths = sorted({e.path for e in edits})
    files = {p: (repo / p).read_text() for p in paths}
    for path, text in apply(files, edits, "fix").items():
        (repo / path).write_text(text)


def functions_at(source: str) -> dict[int, str]:
    """Line -> qualified name of the innermost function holding it."""
    where: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                for line in range(child.lineno, (child.end_lineno or child.lineno) + 1):
                    where[line] = name
                visit(child, f"{name}.")

    visit(ast.parse(source), "")
    return where


def import_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def localized(case: Case, repo: Path) -> list[str]:
    problems = []
    for edit in case.good_fix:
        if edit.path not in case.files:
            problems.append(f"good fix edits {edit.path}, not in expected.files")
        text = (repo / edit.path).read_text()
        start = text[: text.find(edit.old)].count("\n") + 1
        lines = range(start, start + edit.old.rstrip("\n").count("\n") + 1)
        names = functions_at(text)
        imports = import_lines(text)
        for line in lines:
            if line in imports:
                continue
            if names.get(line) not in case.functions:
                problems.append(f"good fix line {edit.path}:{line} is in "
                                f"{names.get(line)!r}, not in expected.functions")
                break
    for path in case.files:
        if not (repo / path).is_file():
            problems.append(f"expected file {path} is not in the repository")
    defined = set()
    for path in case.files:
        if (repo / path).is_file():
            defined |= set(functions_at((repo / path).read_text()).values())
    problems += [f"expected function {f} not defined in expected.files"
                 for f in case.functions if f not in defined]
    return problems


def deploy_time(case: Case, commit: Commit) -> str | None:
    seen = False
    for step in case.steps:
        if isinstance(step, Deploy):
            if seen:
                return step.at
        elif step[0] is commit:
            seen = True
    return None


def timeline(case: Case) -> list[str]:
    problems = []
    received = instant(case.received_at)
    times = [instant(s.at) if isinstance(s, Deploy) else instant(s[1]) for s in case.steps]
    if times != sorted(times):
        problems.append("commits and deploys are not in time order")
    if times[-1] > received:
        problems.append("history after received_at would be hidden")
    event, first = instant(case.event_at), instant(case.first_error_at or case.event_at)
    if not first <= event <= received:
        problems.append("first error <= event <= received_at does not hold")
    if case.source != "ci" and case.culprit is not None:
        at = deploy_time(case, case.culprit)
        if at is None or instant(at) >= first:
            problems.append("the culprit is not deployed before the first error")
        elif case.position != "latent" and first - instant(at) > timedelta(hours=24):
            problems.append("errors do not start soon after the culprit's deploy")
    if case.decoy is not None:
        at = deploy_time(case, case.decoy)
        if at is None or first - instant(at) < timedelta(days=3):
            problems.append("the decoy is not deployed days before the first error")
    n = sum(1 for s in case.steps if isinstance(s, Deploy))
    c = len(case.steps) - n
    if not (2 <= n <= 5 and 4 <= c <= 10):
        problems.append(f"{c} commits and {n} deploys (want 4-10 and 2-5)")
    return problems


def check_case(case: Case, folder: Path,
               generate: Callable[[Case, Path], None]) -> tuple[list[str], list[str]]:
    problems: list[str] = timeline(case)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ind-check-") as tmp:
        again = Path(tmp) / case.id
        generate(case, again)
        cmp = filecmp.dircmp(folder, again)
        stack = [cmp]
        while stack:
            d = stack.pop()
            bad = d.left_only + d.right_only + d.diff_files
            bad += [f for f in d.common_files
                    if not filecmp.cmp(Path(d.left) / f, Path(d.right) / f, shallow=False)]
            if bad:
                problems.append(f"regeneration differs in {d.left}: {sorted(set(bad))}")
            stack += list(d.subdirs.values())
        toml = tomllib.loads((folder / "case.toml").read_text())

        def fresh(name: str) -> Path:
            repo = Path(tmp) / name
            buildsh.build(folder, repo)
            shutil.copytree(folder / "judge", repo / "judge")
            return repo

        def verdicts(repo: Path) -> tuple[bool, bool]:
            visible = run_tests(repo).returncode == 0
            judge = run_tests(repo, "judge").returncode == 0
            return visible, judge

        head_repo = fresh("head")
        shas = buildsh.shas(head_repo)
        culprit = toml["expected"]["culprit"]
        if case.culprit is not None and culprit not in shas:
            problems.append("expected.culprit is not a commit of the repository")
        if case.culprit is None and culprit != "":
            problems.append("a case without culprit commit must say culprit = \"\"")
        visible, judge = verdicts(head_repo)
        if visible != (case.source != "ci"):
            problems.append(f"visible tests at head: {'pass' if visible else 'fail'}")
        if judge:
            problems.append("the judge passes at head")
        problems += localized(case, head_repo)

        good = fresh("good")
        patch(good, case.good_fix)
        if verdicts(good) != (True, True):
            problems.append(f"good fix (visible, judge) = {verdicts(good)}, want both pass")
        wrong = fresh("wrong")
        patch(wrong, case.wrong_fix)
        if verdicts(wrong) != (True, False):
            problems.append(f"wrong fix (visible, judge) = {verdicts(wrong)}, want pass/fail")
        if case.culprit is not None:
            rev = fresh("revert")
            done = subprocess.run(["git", "-c", "user.name=c", "-c", "user.email=c@c",
                                   "revert", "--no-edit", culprit], cwd=rev,
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                notes.append("reverting the culprit conflicts")
            elif run_tests(rev, "judge").returncode == 0:
                problems.append("the judge passes with the whole culprit reverted")
            else:
                notes.append("revert of the culprit fails the judge")
    return problems, notes
