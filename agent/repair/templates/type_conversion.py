"""Conversions for str/number TypeErrors: `"INV-" + year` where `year` is an int,
`failures >= limit` where `limit` came from the environment as text, `Decimal + float`, and
sorting values of mixed types.

The message names the operand types in order (`'>=' not supported between instances of
'int' and 'str'`), so the side to convert is known: the text side becomes a number, or the
number side text; a float next to a Decimal becomes `Decimal(str(x))`; a sort of mixed
values gets `key=str`.
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
)

STRATEGY = "template:type-conversion"
_CONCAT = re.compile(r"can only concatenate str|must be str, not|expected str instance")
_OPERAND = re.compile(r"unsupported operand type\(s\) for [^:]+: '([\w.]+)' and '([\w.]+)'"
                      r"|not supported between instances of '([\w.]+)' and '([\w.]+)'")
_NUMERIC = ("int", "float")


def _pairs(inp: RepairInput) -> tuple[cst.Module, list[tuple[cst.BaseExpression,
                                                              cst.BaseExpression]]]:
    """(left, right) of each binary operation and single comparison on the line."""
    module, where = positions(inp.source)
    pairs = []
    for node in reversed(on_line(where, inp.line, (cst.BinaryOperation, cst.Comparison))):
        if isinstance(node, cst.BinaryOperation):
            pairs.append((node.left, node.right))
        elif len(node.comparisons) == 1:
            pairs.append((node.left, node.comparisons[0].comparator))
    return module, pairs


def _plan(inp: RepairInput) -> list[tuple[int, str]]:
    """Which side (0 left, 1 right) to convert with what, from the types the message names
    in order: `'>=' not supported between instances of 'int' and 'str'` → right to int."""
    if _CONCAT.search(inp.exception_message):
        return [(1, "str"), (0, "str")]
    match = _OPERAND.search(inp.exception_message)
    if not match:
        return []
    left, right = [g for g in match.groups() if g][:2]
    decimal = "Decimal" if re.search(r"^from decimal import .*\bDecimal\b", inp.source,
                                     re.M) else "decimal.Decimal"
    if left in _NUMERIC and right == "str":
        return [(1, left), (1, _other(left)), (0, "str")]
    if left == "str" and right in _NUMERIC:
        return [(0, right), (0, _other(right)), (1, "str")]
    if {left, right} == {"decimal.Decimal", "float"}:
        floating = 0 if left == "float" else 1
        return [(floating, f"{decimal}(str"), (1 - floating, "float")]
    return []


def _other(numeric: str) -> str:
    return "float" if numeric == "int" else "int"


def _convert(module: cst.Module, node: cst.BaseExpression, function: str) -> str:
    text = code(module, node)
    closing = ")" * (function.count("(") + 1)
    return replace(module, node, cst.parse_expression(f"{function}({text}{closing}"))


def _sort_keys(inp: RepairInput) -> Iterator[tuple[str, str]]:
    """Sorting mixed values: `sorted(xs)` gains `key=str`; a key lambda's value is str()-ed."""
    module, where = positions(inp.source)
    sorters = on_line(where, inp.line, cst.Call, lambda n: code(module, n.func).split(".")[-1]
                      in ("sorted", "sort", "min", "max"))
    for call in sorters:
        key = next((a for a in call.args if a.keyword and a.keyword.value == "key"), None)
        if key is None:
            new = call.with_changes(args=[*call.args, cst.Arg(
                cst.Name("str"), keyword=cst.Name("key"), equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace("")))])
            yield f"Sort mixed values by their text: `key=str` in `{code(module, call.func)}`", \
                replace(module, call, new)
        elif isinstance(key.value, cst.Lambda):
            body = key.value.body
            yield (f"Sort mixed values by their text: `str({code(module, body)})` as the key",
                   replace(module, body, cst.parse_expression(f"str({code(module, body)})")))


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, pairs = _pairs(inp)
    for side, function in _plan(inp):
        for pair in pairs:
            operand = pair[side]
            if isinstance(operand, cst.SimpleString | cst.FormattedString) and \
                    function == "str":
                continue
            text = code(module, operand)
            yield (f"Convert `{text}` with `{function.split('(')[0]}()`",
                   _convert(module, operand, function))
    if _OPERAND.search(inp.exception_message):
        yield from _sort_keys(inp)


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "TypeError":
        return Decline(STRATEGY, f"applies to TypeError, not {inp.exception_type}")
    if not _plan(inp) and not _OPERAND.search(inp.exception_message):
        return Decline(STRATEGY, "the message names no str/number mix-up")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"no operation or sort with operands to convert on line "
                               f"{inp.line}")
