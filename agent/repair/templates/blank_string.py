"""Blank-string handling for `int()` / `float()`: a ValueError on `''` (or whitespace).

`float(x)` becomes `float(x or 0)`, or `float(x.strip() or 0)`, or `(float(x) if x.strip()
else None)`: a blank value counts as zero, or as no value.
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
    is_pure_reference,
    on_line,
    positions,
    replace,
)

STRATEGY = "template:blank-string"
_BLANK = re.compile(r"(could not convert string to float|invalid literal for int\(\)[^:]*): "
                    r"'(\s*)'$")


def _rewrites(inp: RepairInput, function: str) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    calls = on_line(where, inp.line, cst.Call,
                    lambda n: isinstance(n.func, cst.Name) and n.func.value == function
                    and len(n.args) >= 1 and not n.args[0].keyword)
    zero = "0"  # int("0") and float("0") both read it
    for call in reversed(calls):
        arg = code(module, call.args[0].value)
        rest = "".join(", " + code(module, a.value) for a in call.args[1:])
        shapes = [
            (f"Read a blank value as {zero}: `{function}({arg} or {zero})`",
             f"{function}({arg} or {zero}{rest})"),
            (f"Read a blank or whitespace value as {zero}",
             f"{function}(({arg}).strip() or {zero}{rest})"),
        ]
        if is_pure_reference(call.args[0].value) or isinstance(call.args[0].value, cst.Subscript):
            shapes.append((f"Read a blank value as None instead of calling `{function}()`",
                           f"({function}({arg}{rest}) if ({arg}).strip() else None)"))
        for description, expression in shapes:
            yield description, replace(module, call, cst.parse_expression(expression))


def propose(inp: RepairInput) -> Proposal:
    blank = _BLANK.search(inp.exception_message)
    if inp.exception_type != "ValueError" or not blank:
        return Decline(STRATEGY, "applies to ValueError from int()/float() on a blank string")
    function = "float" if "float" in blank.group(1) else "int"
    return collect(inp, STRATEGY, _rewrites(inp, function),
                   none_reason=f"no {function}() call on line {inp.line}")
