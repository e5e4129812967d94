"""Restore a contract the culprit changed: handle the new result the way its own diff does.

The culprit made a function return `None` on some path (a lookup that no longer raises, say)
and taught its callers to check: right after `user = find_user(uid)` it added
`if user is None: raise UnknownUser(uid)`. The crashing caller was missed, so `user.email`
fails on None. The same check, with the caller's own variable, goes after the same call in
the crashing function. Unlike a guard with an early return, this does what the culprit
decided callers must do.

A caller that handled the old contract (`try: item = find(sku)` / `except UnknownSku:
rejected.append(sku)`, the exception the culprit stopped raising) keeps its own handling, as
the culprit did with its other callers: the handler becomes the check's body and the `try`
goes. A check that reads names the crashing function lacks is not copied.
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
from agent.repair.templates.missed_call_site import bound_names

STRATEGY = "template:restore-contract"


@dataclass(frozen=True)
class Check:
    callee: str  # the function whose result is checked (last name of the call)
    variable: str  # the name the culprit's caller bound the result to
    text: str  # the check the culprit added, dedented
    args: tuple[str, ...]  # the call's arguments at that caller, as source
    path: str = ""  # the file of that caller
    header: str = ""  # the check's `if …:` line(s), dedented


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
            header = textwrap.dedent("\n".join(
                lines[second.lineno - 1:second.body[0].lineno - 1])) + "\n"
            call = first.value.value if isinstance(first.value, ast.Await) else first.value
            args = tuple(ast.unparse(a) for a in getattr(call, "args", []))
            yield Check(callee, name, text, args, header=header)


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
            found += [Check(c.callee, c.variable, c.text, c.args, path, c.header)
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


_RAISED = re.compile(r"^\s*(?:raise|except)\s+\(?([A-Za-z_][\w.]*)")


def retired_errors(inp: RepairInput) -> set[str]:
    """Exceptions the culprit stopped raising or catching (`raise UnknownSku(sku)` and
    `except UnknownSku:` gone): what its callees' old contract raised."""
    assert inp.culprit is not None
    found: set[str] = set()
    for path, (parent, after, _) in inp.culprit.files.items():
        if not path.endswith(".py") or not parent:
            continue
        before, now = parent.splitlines(), (after or "").splitlines()
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before, now,
                                                         autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                found |= {m.group(1).rsplit(".", 1)[-1] for line in before[i1:i2]
                          if (m := _RAISED.match(line))}
    return found


def _caught(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {k.attr if isinstance(k, ast.Attribute) else getattr(k, "id", "") for k in kinds
            if k is not None}


def _handler(tree: ast.Module, assign: ast.Assign,
             retired: set[str]) -> tuple[ast.Try, ast.ExceptHandler] | None:
    """The `try` around `assign` and its one handler, when it catches what the old contract
    raised: how this caller handled it (`except UnknownSku: rejected.append(sku)`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and assign in node.body and len(node.handlers) == 1 \
                and not node.orelse and not node.finalbody and not node.handlers[0].name \
                and _caught(node.handlers[0]) & retired:
            return node, node.handlers[0]
    return None


def _reads(source: str) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def _unbound(inp: RepairInput, text: str) -> set[str]:
    """Names `text` reads that the crashing function cannot see (a name the module already
    reads elsewhere counts as seen: the check uses it as its neighbours do)."""
    return _reads(text) - bound_names(inp) - _reads(inp.source)


def _indented(text: str, indent: str) -> str:
    return "".join(indent + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


def _rewrites(inp: RepairInput, checks: list[Check],
              skipped: list[str]) -> Iterator[tuple[str, str]]:
    try:
        tree = ast.parse(inp.source)
    except SyntaxError:
        return
    retired = retired_errors(inp)
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
        line = lines[node.lineno - 1]
        indent = line[:len(line) - len(line.lstrip())]
        end = node.end_lineno or node.lineno
        handled = _handler(tree, node, retired)
        for check in nearest:
            text = _rename(check.text, check.variable, variable)
            header = _rename(check.header, check.variable, variable)
            for theirs, ours in zip(check.args, args, strict=False):
                if theirs.isidentifier() and theirs != ours:
                    text, header = _rename(text, theirs, ours), _rename(header, theirs, ours)
            description = f"Check the result of `{callee}()` as the culprit's other callers do"
            start, stop, pad = end, end, indent  # the lines it replaces: none, after the call
            if handled is not None and header.strip():
                # The culprit's own recipe: the caller's handler becomes its check's body.
                attempt, handler = handled
                text = header + _indented(textwrap.dedent("".join(
                    lines[handler.body[0].lineno - 1:handler.body[-1].end_lineno])), "    ")
                description = (f"Check the result of `{callee}()` as the culprit did at its "
                               "other callers: this caller's `except` becomes the check")
                if attempt.body == [node]:  # the try held only the call: it goes
                    text = textwrap.dedent("".join(lines[node.lineno - 1:end])) + text
                    start, stop = attempt.lineno - 1, attempt.end_lineno or attempt.lineno
                    pad = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
            missing = _unbound(inp, text)
            if missing:
                skipped.append(f"the culprit's check after `{callee}()` reads "
                               f"{', '.join(sorted(missing))}, which {inp.function} lacks")
                continue
            yield description, "".join([*lines[:start], _indented(text, pad), *lines[stop:]])


def propose(inp: RepairInput) -> Proposal:
    if inp.culprit is None:
        return Decline(STRATEGY, "no culprit commit whose callers to follow")
    checks = culprit_checks(inp)
    if not checks:
        return Decline(STRATEGY, "the culprit added no check after a call")
    skipped: list[str] = []
    found = collect(inp, STRATEGY, _rewrites(inp, checks, skipped),
                    none_reason=f"no call checked by the culprit in {inp.function}")
    if isinstance(found, Decline) and skipped:
        return Decline(STRATEGY, skipped[0])
    return found
