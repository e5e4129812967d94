"""Aware/naive datetime normalisation: TypeError "can't subtract/compare offset-naive and
offset-aware datetimes".

Each operand of the failing subtraction or comparison on the crashing line is made aware
(a naive value is taken as UTC), or made naive in UTC; for a sort or min/max with a `key=`
lambda, the key's value is normalised instead. `timezone` is imported when missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    on_line,
    positions,
    replace,
    replace_many,
)

STRATEGY = "template:aware-naive"
_MIXED = re.compile(r"offset-naive and offset-aware|offset-aware and offset-naive")
_FROM_DATETIME = re.compile(r"^from datetime import ([^\n(]+)$", re.M)
_IMPORT_DATETIME = re.compile(r"^import datetime\s*$", re.M)


def _with_timezone(source: str) -> tuple[str, str] | None:
    """The source with `timezone` importable, and how to spell UTC in it."""
    if _IMPORT_DATETIME.search(source):
        return source, "datetime.timezone.utc"
    match = _FROM_DATETIME.search(source)
    names = [n.strip() for n in match.group(1).split(",")] if match else []
    if "timezone" in names:
        return source, "timezone.utc"
    if match:
        line = f"from datetime import {', '.join([*names, 'timezone'])}"
        return source[:match.start()] + line + source[match.end():], "timezone.utc"
    return None


def _shapes(value: str, utc: str) -> list[tuple[str, str]]:
    return [
        ("aware (a naive value is taken as UTC)",
         f"({value} if {value}.tzinfo is not None else {value}.replace(tzinfo={utc}))"),
        ("naive in UTC",
         f"({value}.astimezone({utc}).replace(tzinfo=None) if {value}.tzinfo is not None "
         f"else {value})"),
    ]


def _targets(module: cst.Module, where: dict[cst.CSTNode, object],
             line: int) -> list[cst.BaseExpression]:
    found: list[cst.BaseExpression] = []
    for node in reversed(on_line(where, line, (cst.BinaryOperation, cst.Comparison))):  # type: ignore[arg-type]
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
            found += [node.left, node.right]
        elif isinstance(node, cst.Comparison):
            found += [node.left, *(c.comparator for c in node.comparisons)]
    for call in on_line(where, line, cst.Call):  # type: ignore[arg-type]
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "key" and isinstance(
                    arg.value, cst.Lambda):
                found.append(arg.value.body)
    return [t for t in found if not isinstance(t, cst.Integer | cst.Float | cst.SimpleString)]


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    prepared = _with_timezone(inp.source)
    if prepared is None:
        return
    source, utc = prepared
    module, where = positions(source)
    line = inp.line  # the import line is rewritten in place: line numbers hold
    targets = _targets(module, where, line)  # type: ignore[arg-type]
    for shape in range(2):
        # Every operand at once: whichever side is naive, both end up the same kind.
        if targets:
            both = [(t, cst.parse_expression(_shapes(code(module, t), utc)[shape][1]))
                    for t in targets]
            yield (f"Make the datetimes on line {inp.line} {_shapes('x', utc)[shape][0]}",
                   replace_many(module, both))
        for target in targets:
            text = code(module, target)
            description, expression = _shapes(text, utc)[shape]
            yield (f"Make `{text}` {description}",
                   replace(module, target, cst.parse_expression(expression)))
        # The same values are often compared again a line later: every datetime comparison,
        # subtraction and sort key of the function, normalised alike.
        everywhere = [t for line_no in range(inp.function_start + 1, inp.function_end + 1)
                      for t in _targets(module, where, line_no)]  # type: ignore[arg-type]
        unique = list({id(t): t for t in everywhere}.values())
        if len(unique) > len(targets):
            whole = [(t, cst.parse_expression(_shapes(code(module, t), utc)[shape][1]))
                     for t in unique]
            yield (f"Make every datetime compared or subtracted in {inp.function} "
                   f"{_shapes('x', utc)[shape][0]}", replace_many(module, whole))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "TypeError" or not _MIXED.search(inp.exception_message):
        return Decline(STRATEGY, "applies to TypeError mixing naive and aware datetimes")
    if _with_timezone(inp.source) is None:
        return Decline(STRATEGY, "the module does not import datetime by name")
    return collect(inp, STRATEGY, _rewrites(inp), allow_imports=True,
                   none_reason=f"no subtraction, comparison or sort key on line {inp.line}")
