"""Numeric text `int()` cannot read: ValueError "invalid literal for int() with base 10: '1.5'".

A value like '1.5' or '2e3' is a number written as a float: `int(x)` becomes `float(x)`
(the value kept), or `int(float(x))`, or `round(float(x))`, or `math.ceil` when the module
already imports math (waiting 1.5 s means waiting 2).
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

STRATEGY = "template:numeric-string"
_FLOAT_TEXT = re.compile(r"invalid literal for int\(\) with base 10: '\s*[-+]?(\d+\.\d*|\.\d+|"
                         r"\d+(\.\d*)?[eE][-+]?\d+)\s*'$")


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    calls = on_line(where, inp.line, cst.Call,
                    lambda n: isinstance(n.func, cst.Name) and n.func.value == "int"
                    and len(n.args) == 1 and not n.args[0].keyword)
    shapes = [("float({})", "keeping the fraction"), ("int(float({}))", "truncated"),
              ("round(float({}))", "rounded")]
    if re.search(r"^import math\b", inp.source, re.M):
        shapes.append(("math.ceil(float({}))", "rounded up"))
    for call in reversed(calls):
        arg = code(module, call.args[0].value)
        for shape, how in shapes:
            yield (f"Read `{arg}` as a number that may have a fraction, {how}",
                   replace(module, call, cst.parse_expression(shape.format(arg))))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "ValueError" or not _FLOAT_TEXT.search(inp.exception_message):
        return Decline(STRATEGY, "applies to ValueError from int() on text holding a float")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"no single-argument int() call on line {inp.line}")
