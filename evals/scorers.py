"""How one case's outcome is judged: the hidden tests, the RCA rank and the patch's locality.

Each scorer is a plain function of what the run left behind, so it can be tested alone.
"""

from __future__ import annotations

import difflib
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import git

from tools import code_index
from tools.ports import Sandbox, TestRun

MIN_SHA_PREFIX = 7  # shorter than git's own abbreviation would match by accident

Verdict = Literal["fixed", "plausible", "unfixed"]


def same_commit(a: str, b: str) -> bool:
    """Two shas name the same commit when one is a prefix of the other (abbreviations)."""
    a, b = a.strip().lower(), b.strip().lower()
    if min(len(a), len(b)) < MIN_SHA_PREFIX:
        return False
    return a.startswith(b) or b.startswith(a)


def rca_rank(culprit: str, suspects: Iterable[str]) -> int | None:
    """1-based rank of `culprit` among the suspect shas; None when absent or no culprit."""
    if not culprit.strip():
        return None
    for rank, sha in enumerate(suspects, start=1):
        if same_commit(culprit, sha):
            return rank
    return None


_IMPORT = re.compile(r"^(import\s|from\s+\S+\s+import\s)")


def _place(source: str, lines: list[str], number: int) -> tuple[bool, str | None]:
    """(counts, function) for 1-based line `number`: an import or a blank line at module
    level does not count, since a fix inside a function may need a name imported."""
    symbol = code_index.function_at(source, number)
    if symbol is not None:
        return True, symbol.qualname
    text = lines[number - 1].strip()
    return bool(text) and _IMPORT.match(text) is None, None


def changed_functions(before: str, after: str) -> set[str | None]:
    """Qualified names of the functions a rewrite touches; None stands for module level
    (imports and blank lines there excepted).

    Removed and replaced lines are placed in the old source, added lines in the new one, so
    a change that only inserts lines is attributed to the function that receives them.
    """
    old, new = before.splitlines(), after.splitlines()
    touched: set[str | None] = set()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        places = [_place(before, old, n) for n in range(i1 + 1, i2 + 1)]
        places += [_place(after, new, n) for n in range(j1 + 1, j2 + 1)]
        touched.update(function for counts, function in places if counts)
    return touched


def _function_expected(qualname: str, expected: list[str]) -> bool:
    # A nested function belongs to the one expected around it ("outer.inner" in "outer"); an
    # expected bare method name matches its qualified form ("apply" for "Cart.apply").
    return any(qualname == e or qualname.startswith(e + ".") or qualname.endswith("." + e)
               for e in expected)


def is_localized(path: str, before: str, after: str, files: list[str],
                 functions: list[str]) -> bool:
    """The patch stays inside the expected files and, when the case names any, functions."""
    if path not in files:
        return False
    if not functions:
        return True
    touched = changed_functions(before, after)
    return bool(touched) and all(q is not None and _function_expected(q, functions)
                                 for q in touched)


@dataclass
class Judgement:
    verdict: Verdict
    detail: str  # why it is not fixed, in one line; "" when fixed


def _first_failure(run: TestRun) -> str:
    if run.timed_out:
        return "timed out"
    failed = [t.nodeid for t in run.tests if t.outcome in ("failed", "error")]
    if failed:
        more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"{failed[0]}{more}"
    tail = run.output.strip().splitlines()[-1:] or [f"exit {run.exit_code}"]
    return tail[0][:160]


def judge_branch(origin: str, branch: str, judge_dir: Path, judge_argv: list[str],
                 judge_timeout_s: float, test_argv: list[str], test_timeout_s: float,
                 workdir: Path, sandbox: Sandbox) -> Judgement:
    """Check out `branch` of `origin` in `workdir`, run the hidden judge there, and when it
    fails the repository's own tests (a plausible fix passes those)."""
    git.Repo.clone_from(origin, workdir, branch=branch, no_hardlinks=True).close()
    shutil.copytree(judge_dir, workdir / "judge", dirs_exist_ok=True)
    judged = sandbox.run(workdir, judge_argv, judge_timeout_s)
    if judged.passed:
        return Judgement("fixed", "")
    why = f"judge failed: {_first_failure(judged)}"
    # Back to exactly the branch head: no judge/, no caches the judge run left.
    with git.Repo(workdir) as checkout:
        checkout.git.reset("--hard", "-q")
        checkout.git.clean("-fdxq")
    own = sandbox.run(workdir, test_argv, test_timeout_s)
    if own.passed:
        return Judgement("plausible", why)
    return Judgement("unfixed", f"{why}; repository tests failed: {_first_failure(own)}")
