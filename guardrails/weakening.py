"""Test weakening and swallowed errors: the ways a patch can make a test pass without a fix."""

from __future__ import annotations

import ast
import configparser
import difflib
import tomllib
from collections import Counter
from typing import Any

from guardrails.files import ChangedFile
from guardrails.pycode import MODULE, exception_family, swallows
from guardrails.untrusted import inline

# Files whose changes decide which tests run or what counts as passing.
_TEST_CONFIG_FILES = frozenset({"pytest.ini", "tox.ini", ".coveragerc", "noxfile.py"})
_MAX_PER_TEST = 3  # a test rewritten wholesale needs a few examples, not fifty lines


def _where(path: str, scope: str) -> str:
    """pytest-style node ids, which reviewers can paste: tests/x.py::TestA.test_b."""
    return f"{path} (module level)" if scope == MODULE else f"{path}::{scope}"


def _always_true(assertion: str) -> bool:
    try:
        stmt = ast.parse(assertion).body[0]
    except (SyntaxError, IndexError):
        return False
    if not isinstance(stmt, ast.Assert):
        return False
    test = stmt.test
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(isinstance(v, ast.Constant) and bool(v.value) for v in test.values)
    if isinstance(test, ast.Compare) and [type(op) for op in test.ops] in ([ast.Eq], [ast.Is]):
        return ast.dump(test.left) == ast.dump(test.comparators[0])  # assert x == x
    return False


def _pair(removed: list[str], added: list[str]) -> list[tuple[str, str | None]]:
    """Match removed assertions with new ones, most similar pairs first; the rest stay alone."""
    ranked = sorted(
        ((difflib.SequenceMatcher(None, old, new).ratio(), i, j)
         for i, old in enumerate(removed) for j, new in enumerate(added)),
        reverse=True,
    )  # fmt: skip
    match: dict[int, str] = {}
    used: set[int] = set()
    for _ratio, i, j in ranked:
        if i not in match and j not in used:
            match[i] = added[j]
            used.add(j)
    return [(old, match.get(i)) for i, old in enumerate(removed)]


def _assertion_reasons(where: str, before: Counter[str], after: Counter[str]) -> list[str]:
    """Assertions that disappeared; paired with similar new ones they read as changes."""
    removed = list((before - after).elements())
    added = list((after - before).elements())
    reasons = [
        f"changes assertion in {where} from `{inline(old)}` to `{inline(new)}`"
        if new is not None
        else f"removes assertion `{inline(old)}` from {where}"
        for old, new in _pair(removed, added)
    ]
    if len(reasons) > _MAX_PER_TEST:
        extra = len(reasons) - _MAX_PER_TEST
        reasons = [*reasons[:_MAX_PER_TEST], f"weakens {extra} more assertions in {where}"]
    return reasons


def _python_test_reasons(item: ChangedFile) -> list[str]:
    old, new = item.before_facts, item.after_facts
    if new is None:
        return []  # deleted, or does not parse: reported elsewhere
    path = item.shown
    reasons: list[str] = []
    before_tests = old.tests if old else {}
    # In file order, so that reasons read top to bottom like the diff.
    reasons += [f"removes test {path}::{name}" for name in before_tests if name not in new.tests]
    for name in (n for n in before_tests if n in new.tests):
        reasons += _assertion_reasons(f"{path}::{name}", before_tests[name], new.tests[name])
    for name, assertions in new.tests.items():
        for text in (assertions - before_tests.get(name, Counter())).elements():
            if _always_true(text):
                reasons.append(
                    f"adds an assertion that always passes to {path}::{name} (`{inline(text)}`)"
                )
    for scope, marker in new.skips - (old.skips if old else Counter()):
        reasons.append(f"adds `{marker}` to {_where(path, scope)}")
    for hook in sorted(new.hooks - (old.hooks if old else set())):
        if item.path.rsplit("/", 1)[-1] == "conftest.py":
            reasons.append(f"adds `{hook}` to {path}, which can change which tests run")
    return reasons


def _pytest_config(path: str, text: str | None) -> Any:
    """The part of a shared config file that configures tests; the whole text for the rest."""
    base = path.rsplit("/", 1)[-1]
    text = text or ""  # an added or deleted config file compares against an empty one
    try:
        if base == "pyproject.toml":
            tool = tomllib.loads(text).get("tool", {})
            return {k: tool.get(k) for k in ("pytest", "coverage")}
        if base == "setup.cfg":
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            wanted = ("tool:pytest", "coverage")
            return {s: dict(parser[s]) for s in parser.sections() if s.startswith(wanted)}
    except (tomllib.TOMLDecodeError, configparser.Error):
        return text  # unparseable: compare as text, so any change counts
    return text if base in _TEST_CONFIG_FILES else None


def weakened_tests(files: list[ChangedFile]) -> list[str]:
    reasons: list[str] = []
    for item in files:
        change = item.change
        if _pytest_config(item.path, change.before) != _pytest_config(item.path, change.after):
            reasons.append(f"changes test configuration in {item.shown}")
        if not item.is_test:
            continue
        if change.deleted:
            reasons.append(f"deletes test file {item.shown}")
        elif item.is_python:
            reasons += _python_test_reasons(item)
    return reasons


def swallowed_errors(files: list[ChangedFile], exception_type: str) -> list[str]:
    """New `except` clauses (and contextlib.suppress) that hide the error instead of fixing it."""
    family = exception_family(exception_type)
    reasons = []
    for item in files:
        old, new = item.before_facts, item.after_facts
        if new is None:
            continue
        # In tests, catching AssertionError is how a failing check gets hidden.
        caught = family | {"AssertionError"} if item.is_test else family
        seen = Counter(h.key for h in old.handlers) if old else Counter()
        for handler in new.handlers:
            if seen[handler.key] > 0:
                seen[handler.key] -= 1  # the same handler was already there
                continue
            why = swallows(handler, caught)
            if why:
                reasons.append(
                    f"adds `{inline(handler.describe())}` in {_where(item.shown, handler.scope)} "
                    f"(line {handler.lineno}) that {why}"
                )
    return reasons
