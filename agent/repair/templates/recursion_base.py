"""Recursion base cases for RecursionError: a function that calls itself stops on a cycle.

The function gains a `_seen` parameter holding the values of its first parameter on the
current path; a value met again either ends that branch (`return None`) or raises a
ValueError that names the cycle. Every self-call passes the path on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    collect,
    function_node,
    positions,
    replace,
)

STRATEGY = "template:recursion-base"
SEEN = "_seen"


class _PassPath(cst.CSTTransformer):
    def __init__(self, name: str, key: str) -> None:
        self.name, self.key = name, key
        self.calls = 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = updated_node.func
        own = (isinstance(func, cst.Name) and func.value == self.name) or (
            isinstance(func, cst.Attribute) and func.attr.value == self.name
            and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"))
        if not own:
            return updated_node
        self.calls += 1
        path = cst.parse_expression(f"(*{SEEN}, {self.key})")
        return updated_node.with_changes(
            args=[*updated_node.args, cst.Arg(path, keyword=cst.Name(SEEN),
                                              equal=cst.AssignEqual(
                                                  whitespace_before=cst.SimpleWhitespace(""),
                                                  whitespace_after=cst.SimpleWhitespace("")))])


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    function = function_node(where, inp)
    if function is None:
        return
    params = [p for p in function.params.params if p.name.value not in ("self", "cls")]
    if not params or SEEN in {p.name.value for p in function.params.params}:
        return
    key = params[0].name.value
    passer = _PassPath(function.name.value, key)
    body: Any = function.body.visit(passer)
    if passer.calls == 0:
        return
    seen_param = cst.Param(cst.Name(SEEN), default=cst.parse_expression("()"),
                           equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                 whitespace_after=cst.SimpleWhitespace("")))
    new_params = function.params.with_changes(params=[*function.params.params, seen_param])
    guards = {
        "raise": (f"Raise ValueError naming the cycle when `{key}` recurs",
                  f"if {key} in {SEEN}:\n    raise ValueError(f\"cycle: "
                  f"{{' -> '.join(map(str, (*{SEEN}, {key})))}}\")\n"),
        "return": (f"Stop the recursion when `{key}` recurs on the current path",
                   f"if {key} in {SEEN}:\n    return None\n"),
    }
    for description, guard in guards.values():
        statements = list(body.body)
        at = 1 if statements and _is_docstring(statements[0]) else 0
        statements.insert(at, cst.parse_statement(guard))
        new = function.with_changes(params=new_params,
                                    body=body.with_changes(body=statements))
        yield description, replace(module, function, new)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, cst.SimpleString))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "RecursionError":
        return Decline(STRATEGY, f"applies to RecursionError, not {inp.exception_type}")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"{inp.function} does not call itself with parameters")
