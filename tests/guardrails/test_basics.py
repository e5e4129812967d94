"""Verdicts, globs and libcst scopes: the small pieces the checks are built from."""

from __future__ import annotations

import time

import pytest

from guardrails import files
from guardrails.files import line_diff
from guardrails.globs import first_match, normalize_path
from guardrails.pycode import MODULE
from guardrails.scope import diff_units, in_scope
from guardrails.verdict import Verdict, combine


def test_verdicts_combine_and_explain() -> None:
    assert combine(Verdict.allow(), Verdict.allow()).allowed
    denied = combine(Verdict.allow(), Verdict.deny("a", "b"), Verdict.deny("b", "c"))
    assert not denied and denied.reasons == ("a", "b", "c")
    assert str(denied) == "denied: a; b; c"
    assert Verdict.from_reasons([]) == Verdict.allow()
    with pytest.raises(ValueError):
        Verdict.deny()  # a denial without a reason cannot go into a ticket


@pytest.mark.parametrize(
    ("path", "pattern", "matches"),
    [(".github/workflows/ci.yml", ".github/", True), ("svc/.github/x", ".github/", True),
     ("x/y/poetry.lock", "*.lock", True), ("setup.py", "/setup.py", True),
     ("a/setup.py", "/setup.py", False), ("src/a/b.py", "src/**", True),
     ("srcx/a.py", "src/**", False), ("app/migrations/0001.py", "migrations/", True),
     ("docker-compose.prod.yaml", "docker-compose*.{yml,yaml}", True),
     ("a/b/c.py", "a/*.py", False), ("a/c.py", "a/*.py", True)],
)  # fmt: skip
def test_globs(path: str, pattern: str, matches: bool) -> None:
    assert (first_match(path, [pattern]) == pattern) is matches


def test_forbidden_matching_can_ignore_case() -> None:
    assert first_match(".GitHub/CODEOWNERS", [".github/"]) is None
    assert first_match(".GitHub/CODEOWNERS", [".github/"], ignore_case=True) == ".github/"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("./a/b.py", "a/b.py"), ("a\\b.py", "a/b.py"), ("a/../b.py", "b.py"), ("../b.py", None),
     ("/etc/passwd", None), ("C:/x", None), ("", None), (".", None)],
)  # fmt: skip
def test_normalize_path(raw: str, clean: str | None) -> None:
    assert normalize_path(raw) == clean


BEFORE = '''import os

X = 1


@decorator
def f(a):
    return a


class C:
    y = 2

    def m(self):
        return 1

    class D:
        def n(self):
            return 2
'''


def test_scope_units_by_qualified_name() -> None:
    after = (BEFORE.replace("import os", "import os\nimport re")  # imports are not a scope
             .replace("return 2", "return 3").replace("y = 2", "y = 3")
             .replace("X = 1\n", "X = 1\n\n\n# a comment\n"))  # fmt: skip
    change = diff_units(BEFORE, after)
    assert change.modified == {"C.D.n", "C"} and not change.added and not change.removed
    assert diff_units(BEFORE, BEFORE.replace("@decorator\n", "")).modified == {"f"}
    moved = diff_units(BEFORE, BEFORE.replace("X = 1", "X = 2") + "\n\ndef g():\n    pass\n")
    assert moved.modified == {MODULE} and moved.added == {"g"}
    assert not moved.module_appended_only


def test_in_scope() -> None:
    assert in_scope("C.m", ["C"]) and in_scope("C.m", ["C.m"]) and in_scope("x", ["*"])
    assert not in_scope("C", ["C.m"]) and not in_scope("Cm", ["C"])


def _functions(n: int, ret: str = "return y") -> list[str]:
    body = (f"def f{i}(x):\n    y = x + {i}\n\n    {ret}\n" for i in range(n))
    return "\n\n".join(body).splitlines()


def test_line_diff_counts_and_numbers_added_lines() -> None:
    old = ["a", "b", "c", "d"]
    assert line_diff(old, ["a", "B", "c", "d", "e"]) == ([(2, "B"), (5, "e")], 1)
    assert line_diff(old, old) == ([], 0)
    assert line_diff([], ["x"]) == ([(1, "x")], 0)


def test_line_diff_stays_fast_on_repetitive_files() -> None:
    # Blank and repeated lines made difflib without autojunk take seconds at this size.
    old, new = _functions(300), _functions(300, "return y + 0")
    started = time.perf_counter()
    added, removed = line_diff(old, new)
    assert time.perf_counter() - started < 3
    assert (len(added), removed) == (300, 300)


def test_line_diff_falls_back_to_counting_for_huge_rewrites(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(files, "_MAX_DIFF_WORK", 10)
    added, removed = line_diff(_functions(20), _functions(20, "return y + 0"))
    assert (len(added), removed) == (20, 20)
    assert added[0] == (4, "    return y + 0")
