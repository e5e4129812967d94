"""Restore a contract the culprit changed: handle the new result the way its own diff does.

The culprit made a function return `None` on some path (a lookup that no longer raises, say)
and taught its callers to check: right after `user = find_user(uid)` it added
`if user is None: raise UnknownUser(uid)`. The crashing caller was missed, so `user.email`
fails on None. The same check, with the caller's own variable, goes after the same call in
the crashing function. Unlike a guard with an early return, this does what the culprit
decided callers must do.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from agent.repair.base import Decline, Proposal, RepairInput, collect

STRATEGY = "template:restore-contract"


@dataclass(frozen=True)
class Check:
    callee: str  # the function whose result is checked (last name of the call)
    variable: str  # the name the culprit's caller bound the result to
    text: str  # the check the culprit added, dedented
    args: tuple[str, ...]  # the call's arguments at that caller, as source
    path: str = ""  # the file of that caller


def _callee(call: ast.expr) -> str:
    if isinstance(call, ast.Await):
        call = call.value
    if not isinstance(call, ast.Call):
        return ""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _checks_of(source: str, added: set[int]) -> Iterator[Check]:
    """`x = f(...)` followed by an `if` on x that the culprit added (its lines in `added`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    lines = source.splitlines()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for first, second in itertools.pairwise(body):
            if not (isinstance(first, ast.Assign) and len(first.targets) == 1
                    and isinstance(first.targets[0], ast.Name) and isinstance(second, ast.If)
                    and second.lineno in added and not second.orelse):
                continue
            name, callee = first.targets[0].id, _callee(first.value)
            if not callee or name not in {n.id for n in ast.walk(second.test)
                                          if isinstance(n, ast.Name)}:
                continue
            end = second.end_lineno or second.lineno
            text = textwrap.dedent("\n".join(lines[second.lineno - 1:end])) + "\n"
            call = first.value.value if isinstance(first.value, ast.Await) else first.value
            args = tuple(ast.unparse(a) for a in getattr(call, "args", []))
            yield Check(callee, name, text, args)


def _added_lines(parent: str | None, after: str) -> set[int]:
    before = (parent or "").splitlines()
    now = after.splitlines()
    added: set[int] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, before, now,
                                                     autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            added.update(range(j1 + 1, j2 + 1))
    return added


def culprit_checks(inp: RepairInput) -> list[Check]:
    assert inp.culprit is not None
    found: list[Check] = []
    for path, (parent, after, _) in sorted(inp.culprit.files.items()):
        if path.endswith(".py") and after:
            found += [Check(c.callee, c.variable, c.text, c.args, path)
                      for c in _checks_of(after, _added_lines(parent, after))]
    # The nearest example first: a check in the crashing file says most about what this
    # code should do (raise like its neighbours, not answer 404 like a web handler).
    return sorted(found, key=lambda c: c.path != inp.path)


def _rename(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w.]){re.escape(old)}(?!\w)", new, text)


def _checked_after(tree: ast.Module, assign: ast.Assign, variable: str) -> bool:
    """The statement after `assign` already tests `variable` (this caller was not missed)."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and assign in body:
            at = body.index(assign)
            after = body[at + 1] if at + 1 < len(body) else None
            return isinstance(after, ast.If) and variable in {
                n.id for n in ast.walk(after.test) if isinstance(n, ast.Name)}
    return False


def _rewrites(inp: RepairInput, checks: list[Check]) -> Iterator[tuple[str, str]]:
    try:
        tree = ast.parse(inp.source)
    except SyntaxError:
        return
    lines = inp.source.splitlines(keepends=True)
    crash_line = lines[inp.line - 1] if 0 < inp.line <= len(lines) else ""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and inp.function_start < node.lineno <= inp.line
                and (node.end_lineno or node.lineno) < inp.line):
            continue
        variable, callee = node.targets[0].id, _callee(node.value)
        if not re.search(rf"(?<![\w.]){re.escape(variable)}(?!\w)", crash_line) \
                or _checked_after(tree, node, variable):
            continue
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        args = [ast.unparse(a) for a in getattr(call, "args", [])]
        fitting = [c for c in checks if c.callee == callee]
        nearest = [c for c in fitting if c.path == fitting[0].path] if fitting else []
        for check in nearest:
            text = _rename(check.text, check.variable, variable)
            for theirs, ours in zip(check.args, args, strict=False):
                if theirs.isidentifier() and theirs != ours:
                    text = _rename(text, theirs, ours)
            indent = lines[node.lineno - 1][:len(lines[node.lineno - 1])
                                            - len(lines[node.lineno - 1].lstrip())]
            block = "".join(indent + line if line.strip() else line
                            for line in text.splitlines(keepends=True))
            end = node.end_lineno or node.lineno
            yield (f"Check the result of `{callee}()` as the culprit's other callers do",
                   "".join([*lines[:end], block, *lines[end:]]))


def propose(inp: RepairInput) -> Proposal:
    if inp.culprit is None:
        return Decline(STRATEGY, "no culprit commit whose callers to follow")
    checks = culprit_checks(inp)
    if not checks:
        return Decline(STRATEGY, "the culprit added no check after a call")
    return collect(inp, STRATEGY, _rewrites(inp, checks),
                   none_reason=f"no call checked by the culprit in {inp.function}")
