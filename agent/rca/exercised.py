"""The code a failing CI test exercises, read statically from the test's source.

A test that fails on its own `assert` (a wrong value, not an exception) leaves a traceback
with the test frame only: nothing in the code under test to blame. What it exercises is
still plain: the functions the test function calls, and the functions those call, defined
in the repository's non-test code. The commit that last changed them after the last passing
run (the suspect window) is where a CI regression comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import git

from agent.rca.diffs import CommitChange
from tools.code_index import CommitIndex, calls_in

MAX_TESTS = 10  # failing tests read; more say nothing new about which code they share
MAX_DEPTH = 2  # the functions a test calls (1), and the functions those call (2)
MAX_FUNCTIONS = 12


@dataclass(frozen=True)
class Exercised:
    """A function of non-test code that a failing test runs."""

    path: str
    qualname: str  # as of the base commit
    depth: int  # 1: the test calls it; 2: a function the test calls calls it
    test: str  # the failing test (node id) it was reached from


def is_test_path(path: str) -> bool:
    """Whether `path` is test code (a tests folder, `test_*.py`, `*_test.py`, conftest)."""
    name = path.rsplit("/", 1)[-1]
    return path.startswith(("tests/", "test/")) or "/tests/" in path or name.startswith(
        "test_") or name.endswith("_test.py") or name == "conftest.py"


def _test_function(nodeid: str) -> tuple[str, str] | None:
    """`tests/test_x.py::TestCart::test_total[a-1]` → (tests/test_x.py, TestCart.test_total)."""
    path, _, rest = nodeid.partition("::")
    if not rest or not path.endswith(".py"):
        return None
    return path, re.sub(r"\[.*\]$", "", rest).replace("::", ".")


def _definitions(repo: git.Repo, sha: str, names: list[str]) -> dict[str, list[str]]:
    """{name: non-test files defining `def name` as of `sha`}, by one `git grep`."""
    names = [n for n in dict.fromkeys(names) if n.isidentifier()]
    if not names:
        return {}
    space = "[[:space:]]"
    pattern = rf"^{space}*(async{space}+)?def{space}+({'|'.join(names)}){space}*\("
    try:
        out = repo.git.grep("-E", "-o", "--full-name", pattern, sha, "--", "*.py")
    except git.GitCommandError:  # no match exits 1
        return {}
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        _rev, path, text = [*line.split(":", 2), "", ""][:3]
        match = re.search(r"def\s+(\w+)", text)
        if match and not is_test_path(path):
            found.setdefault(match.group(1), [])
            if path not in found[match.group(1)]:
                found[match.group(1)].append(path)
    return found


def _imported_first(paths: list[str], test_source: str) -> list[str]:
    """`paths` with those whose module the test file names (an import) first."""
    def named(path: str) -> bool:
        module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        return any(re.search(rf"(?<![\w.]){re.escape(part)}(?!\w)", test_source)
                   for part in (module, module.rsplit(".", 1)[-1]))
    return sorted(paths, key=lambda path: not named(path))


def exercised_functions(repo: git.Repo, index: CommitIndex, sha: str,
                     nodeids: list[str]) -> list[Exercised]:
    """The non-test functions the failing tests `nodeids` run as of `sha`, first failing test
    first, nearest first. Helpers in the test's own file are read through, not listed."""
    out: list[Exercised] = []
    seen: set[tuple[str, str]] = set()
    for nodeid in nodeids[:MAX_TESTS]:
        parsed = _test_function(nodeid)
        if parsed is None:
            continue
        test_path, test_name = parsed
        test_source = index.source(sha, test_path) or ""
        names: list[str] = []
        helpers = [test_name]
        while helpers:  # the test and the helpers of its own file it calls
            helper = helpers.pop(0)
            for name in calls_in(test_source, helper):
                if index.find_function(sha, test_path, name) and name not in names:
                    helpers.append(name)
                names.append(name)
        frontier = [(name, 1) for name in dict.fromkeys(names)]
        while frontier and len(out) < MAX_FUNCTIONS:
            defined = _definitions(repo, sha, [name for name, _ in frontier])
            nxt: list[tuple[str, int]] = []
            for name, depth in frontier:
                for path in _imported_first(defined.get(name, []), test_source)[:1]:
                    symbol = index.find_function(sha, path, name)
                    if symbol is None or (path, symbol.qualname) in seen:
                        continue
                    seen.add((path, symbol.qualname))
                    out.append(Exercised(path, symbol.qualname, depth, nodeid))
                    if depth < MAX_DEPTH:
                        source = index.source(sha, path) or ""
                        nxt += [(callee, depth + 1) for callee in calls_in(source, symbol.qualname)]
            frontier = nxt
    return out[:MAX_FUNCTIONS]


def _changes(index: CommitIndex, change: CommitChange, function: Exercised) -> bool:
    """Whether `change` added, changed or removed lines of `function`'s body."""
    file_change = change.files.get(function.path)
    if file_change is None:
        return False
    if file_change.path:
        symbol = index.find_function(change.sha, function.path, function.qualname)
        if symbol and any(symbol.start_line <= n <= symbol.end_line
                          for n in file_change.new_lines):
            return True
    if change.is_root or not file_change.old_lines:
        return False
    old = index.find_function(change.parents[0], file_change.old_path or function.path,
                              function.qualname)
    return bool(old and any(old.start_line <= n <= old.end_line for n in file_change.old_lines))


def changed_exercised(index: CommitIndex, change: CommitChange, tested: list[Exercised],
                   on_stack: set[tuple[str, str]]) -> tuple[int, str] | None:
    """(depth, evidence line) for the nearest of the `tested` functions `change` changed;
    functions `on_stack` (path, qualname) are left out: the stack already speaks for them."""
    for depth in sorted({t.depth for t in tested}):
        changed = [t for t in tested if t.depth == depth and (t.path, t.qualname) not in
                   on_stack and _changes(index, change, t)]
        if not changed:
            continue
        names = ", ".join(f"`{t.qualname}`" for t in changed[:3])
        test = changed[0].test.rsplit("::", 1)[-1]
        via = "called by" if depth == 1 else "called by the code run by"
        return depth, f"changed {names} ({changed[0].path}), {via} the failing test `{test}`"
    return None
