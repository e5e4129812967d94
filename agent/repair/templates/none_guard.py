"""None guards for AttributeError / TypeError on NoneType.

For `x.attr` or `x[...]` on the crashing line where `x` is a name or attribute chain, two
shapes: return early when `x is None`, or evaluate to None instead (`x.attr if x is not None
else None`).
"""

from __future__ import annotations

import re
from typing import Any, cast

import libcst as cst

from agent.repair.base import (
    Decline,
    RepairInput,
    is_pure_reference,
    make_candidate,
    positions,
    spans_line,
)
from agent.state import Candidate

STRATEGY = "template:none-guard"
_NONE_ERROR = re.compile(r"'NoneType' object|NoneType")
_MISSING_ATTR = re.compile(r"has no attribute '([^']+)'")


def _accesses(inp: RepairInput,
              module_positions: dict[Any, Any]) -> list[cst.Attribute | cst.Subscript]:
    attr = _MISSING_ATTR.search(inp.exception_message)
    found = []
    for node, pos in module_positions.items():
        if not spans_line(pos, inp.line):
            continue
        missing_attribute = (isinstance(node, cst.Attribute) and attr is not None
                             and node.attr.value == attr.group(1))
        none_subscript = (isinstance(node, cst.Subscript)
                          and "subscriptable" in inp.exception_message)
        if missing_attribute or none_subscript:
            found.append(node)
    return [n for n in found if is_pure_reference(n.value)]


def _enclosing_statement(module_positions: dict[Any, Any], line: int,
                         start: int) -> cst.SimpleStatementLine | None:
    """The innermost simple statement on `line` inside the function starting at `start`."""
    best = None
    for node, pos in module_positions.items():
        if (isinstance(node, cst.SimpleStatementLine) and spans_line(pos, line)
                and pos.start.line > start):
            best = node
    return best


def propose(inp: RepairInput) -> list[Candidate] | Decline:
    if inp.exception_type not in ("AttributeError", "TypeError") or not _NONE_ERROR.search(
            inp.exception_message):
        return Decline(STRATEGY, "applies to AttributeError/TypeError on None")
    module, where = positions(inp.source)
    accesses = _accesses(inp, where)
    if not accesses:
        return Decline(STRATEGY, f"no attribute or item access on a name on line {inp.line}")
    found: list[Candidate] = []
    statement = _enclosing_statement(where, inp.line, inp.function_start)
    for access in accesses:
        subject = module.code_for_node(access.value)
        if statement is not None:
            guard = cst.parse_statement(f"if {subject} is None:\n    return None\n")
            flattened: Any = cst.FlattenSentinel([guard, statement])
            new = cast(cst.Module, module.deep_replace(statement, flattened))
            result = make_candidate(inp, STRATEGY, f"Return early when `{subject}` is None",
                                    new.code)
            if isinstance(result, Candidate):
                found.append(result)
        expression = cst.parse_expression(
            f"({module.code_for_node(access)} if {subject} is not None else None)")
        new = cast(cst.Module, module.deep_replace(access, expression))
        result = make_candidate(inp, STRATEGY,
                                f"Treat `{module.code_for_node(access)}` as None when "
                                f"`{subject}` is None", new.code)
        if isinstance(result, Candidate):
            found.append(result)
    return found or Decline(STRATEGY, "every rewrite fell outside the function")
