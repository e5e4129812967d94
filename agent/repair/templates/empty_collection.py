"""Empty-collection guards: ZeroDivisionError on a count or a zero divisor, and `max()`/`min()`
of an empty sequence.

`a / len(xs)` becomes `(a / len(xs) if xs else 0)`; `a / b` becomes `(a / b if b else 0)`;
`max(gen)` gains `default=`.
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

STRATEGY = "template:empty-collection"
DIVISION = (cst.Divide, cst.FloorDivide, cst.Modulo)
DEFAULTS = ("0", "0.0", "None")
EXTREMUM_DEFAULTS = ("None", "0", "0.0")  # the least of nothing is no value
_EMPTY = re.compile(r"\b(max|min)\(\) (arg is an empty sequence|iterable argument is empty)")


def _divisor_condition(module: cst.Module, divisor: cst.BaseExpression) -> str:
    if (isinstance(divisor, cst.Call) and isinstance(divisor.func, cst.Name)
            and divisor.func.value == "len" and len(divisor.args) == 1):
        return code(module, divisor.args[0].value)
    return code(module, divisor)


def _divisions(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    for node in reversed(on_line(where, inp.line, cst.BinaryOperation,
                                 lambda n: isinstance(n.operator, DIVISION))):
        condition = _divisor_condition(module, node.right)
        text = code(module, node)
        for default in DEFAULTS:
            yield (f"Use {default} for `{text}` when `{condition}` is empty or zero",
                   replace(module, node, cst.parse_expression(
                       f"({text} if {condition} else {default})")))


def _single_extremum(node: cst.CSTNode, names: tuple[str, ...]) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
            and node.func.value in names and len(node.args) == 1
            and node.args[0].star == "" and node.args[0].keyword is None)


def _with_default(call: cst.Call, default: str) -> cst.Call:
    value = call.args[0].value
    if isinstance(value, cst.GeneratorExp) and not value.lpar:
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return call.with_changes(args=[
        cst.Arg(value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
        cst.Arg(cst.parse_expression(default), keyword=cst.Name("default"),
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                      whitespace_after=cst.SimpleWhitespace("")))])


def _extrema(inp: RepairInput, function: str) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    calls = on_line(where, inp.line, cst.Call, lambda n: _single_extremum(n, (function,)))
    # The same sequence often feeds max() a line later: every min()/max() of the function.
    everywhere = [node for node, pos in where.items()
                  if isinstance(node, cst.Call) and _single_extremum(node, ("min", "max"))
                  and inp.function_start < pos.start.line <= inp.function_end]
    for default in EXTREMUM_DEFAULTS:
        for call in reversed(calls):
            yield (f"Give `{function}()` a default of {default} for an empty sequence",
                   replace(module, call, _with_default(call, default)))
        if len(everywhere) > len(calls):
            yield (f"Give every min()/max() in {inp.function} a default of {default} for an "
                   f"empty sequence",
                   replace_many(module, [(c, _with_default(c, default)) for c in everywhere]))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type == "ZeroDivisionError":
        return collect(inp, STRATEGY, _divisions(inp),
                       none_reason=f"no division on line {inp.line}")
    empty = _EMPTY.search(inp.exception_message)
    if inp.exception_type == "ValueError" and empty:
        return collect(inp, STRATEGY, _extrema(inp, empty.group(1)),
                       none_reason=f"no single-argument {empty.group(1)}() on line {inp.line}")
    return Decline(STRATEGY, "applies to ZeroDivisionError and max()/min() of an empty sequence")
