"""None guards for AttributeError / TypeError on NoneType.

For `x.attr` or `x[...]` on the crashing line where `x` is a name or attribute chain, three
shapes: return early when `x is None`; use a default value instead (`x.attr if x is not None
else None`, or the same around the whole expression the access feeds, with a default of the
type the expression has elsewhere); or run the statement only under `if x is not None:`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    innermost_statement,
    is_pure_reference,
    on_line,
    positions,
    replace,
)

STRATEGY = "template:none-guard"
_NONE_ERROR = re.compile(r"NoneType")
_MISSING_ATTR = re.compile(r"has no attribute '([^']+)'")
DEFAULTS = ("None", "0", '""', "[]", "{}", "False")


def _accesses(inp: RepairInput, module: cst.Module,
              where: dict[Any, Any]) -> list[cst.Attribute | cst.Subscript | cst.Call]:
    attr = _MISSING_ATTR.search(inp.exception_message)
    message = inp.exception_message

    def fits(node: Any) -> bool:
        if isinstance(node, cst.Attribute):
            return attr is not None and node.attr.value == attr.group(1)
        if isinstance(node, cst.Subscript):
            return "subscriptable" in message
        if isinstance(node, cst.Call):
            return "not callable" in message and is_pure_reference(node.func)
        return False

    return on_line(where, inp.line, (cst.Attribute, cst.Subscript, cst.Call), fits)


def _fresh(source: str) -> str:
    for name in ("match", "found", "value", "result"):
        if not re.search(rf"\b{name}\b", source):
            return name
    return "alertfix_value"


def _subject(node: cst.Attribute | cst.Subscript | cst.Call) -> cst.BaseExpression:
    return node.func if isinstance(node, cst.Call) else node.value


def _ancestors(module: cst.Module, access: cst.CSTNode,
               statement: cst.CSTNode) -> list[cst.BaseExpression]:
    """Expressions between the access and the statement, innermost first."""
    chain: list[cst.BaseExpression] = []

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.stack: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.stack.append(node)
            if node is access:
                chain.extend(n for n in reversed(self.stack[:-1])
                             if isinstance(n, cst.BaseExpression)
                             and not isinstance(n, cst.Name | cst.Arg))
                return False
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            self.stack.pop()

    statement.visit(Finder())
    return chain


def _in_loop(where: dict[Any, Any], statement: cst.CSTNode, inp: RepairInput) -> bool:
    line = where[statement].start.line
    return any(isinstance(node, cst.For | cst.While) and pos.start.line < line <= pos.end.line
               and pos.start.line > inp.function_start for node, pos in where.items())


def _defaulted_gets(module: cst.Module, where: dict[Any, Any], inp: RepairInput,
                    subject: str) -> Iterator[tuple[cst.Call, cst.BaseExpression]]:
    """`x = m.get(k, d)` earlier in the function: `m.get(k) or d` also covers a stored None."""
    for node, pos in where.items():
        if not (isinstance(node, cst.Assign) and inp.function_start < pos.start.line <= inp.line
                and len(node.targets) == 1 and code(module, node.targets[0].target) == subject):
            continue
        call = node.value
        if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "get" and len(call.args) == 2):
            key, default = (code(module, a.value) for a in call.args)
            receiver = code(module, call.func.value)
            yield call, cst.parse_expression(f"{receiver}.get({key}) or {default}")


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    accesses = _accesses(inp, module, where)
    statement = innermost_statement(where, inp.line, inp.function_start)
    for access in accesses:
        if not is_pure_reference(_subject(access)):
            # `re.match(...).group(1)`: bind the value once, then guard it.
            value = code(module, _subject(access))
            name = _fresh(inp.source)
            called = [n for n in on_line(where, inp.line, cst.Call) if n.func is access]
            whole = called[0] if called else access  # `.group(1)`, not only `.group`
            rest = code(module, whole)[len(value):]
            access = whole
            for default in DEFAULTS[:3]:
                yield (f"Use {default} when `{value}` is None",
                       replace(module, access, cst.parse_expression(
                           f"({name}{rest} if ({name} := {value}) is not None else "
                           f"{default})")))
            continue
        subject = code(module, _subject(access))
        text = code(module, access)
        for default in DEFAULTS:
            yield (f"Use {default} for `{text}` when `{subject}` is None",
                   replace(module, access, cst.parse_expression(
                       f"({text} if {subject} is not None else {default})")))
        if statement is None:
            continue
        for outer in _ancestors(module, access, statement)[:3]:
            outer_text = code(module, outer)
            if "\n" in outer_text:
                continue
            for default in DEFAULTS:
                yield (f"Use {default} for `{outer_text}` when `{subject}` is None",
                       replace(module, outer, cst.parse_expression(
                           f"({outer_text} if {subject} is not None else {default})")))
        guard = cst.parse_statement(f"if {subject} is None:\n    return None\n")
        yield (f"Return early when `{subject}` is None",
               replace(module, statement, cst.FlattenSentinel([guard, statement])))
        if _in_loop(where, statement, inp):
            skip = cst.parse_statement(f"if {subject} is None:\n    continue\n")
            yield (f"Skip this item of the loop when `{subject}` is None",
                   replace(module, statement, cst.FlattenSentinel([skip, statement])))
        for assignment, fallback in _defaulted_gets(module, where, inp, subject):
            yield (f"`{subject}` falls back to its default when the value found is None, "
                   f"not only when it is missing", replace(module, assignment, fallback))
        if isinstance(statement, cst.SimpleStatementLine) and not any(
                isinstance(s, cst.Return) for s in statement.body):
            wrapped = cst.parse_statement(f"if {subject} is not None:\n    pass\n")
            assert isinstance(wrapped, cst.If)
            wrapped = wrapped.with_changes(
                body=wrapped.body.with_changes(body=[statement]))
            yield (f"Run `{code(module, statement).strip()}` only when `{subject}` is not None",
                   replace(module, statement, wrapped))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type not in ("AttributeError", "TypeError") or not _NONE_ERROR.search(
            inp.exception_message):
        return Decline(STRATEGY, "applies to AttributeError/TypeError on None")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"no attribute, item or call on a name on line {inp.line}")
