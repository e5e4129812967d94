"""IndexError → a bounds check: an index past the end yields a default instead of raising.

`seq[i]` read on the crashing line becomes `(seq[i] if i < len(seq) else None)`; an index
that is not a plain name is bound once with `:=`. A literal `0`/`-1` needs only `if seq`.
An early return before the statement is the other shape.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper

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

STRATEGY = "template:bounds-check"
DEFAULTS = ("None", "0", '""')


def _fresh_name(source: str) -> str:
    for name in ("index", "idx", "position", "i_"):
        if name not in source:
            return name
    return "alertfix_index"


def _contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    found = False

    class Finder(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            nonlocal found
            found = found or visited is node
            return not found

    tree.visit(Finder())
    return found


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    contexts = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ExpressionContextProvider)
    reads = on_line(where, inp.line, cst.Subscript,
                    lambda n: contexts.get(n) == ExpressionContext.LOAD and len(n.slice) == 1
                    and isinstance(n.slice[0].slice, cst.Index)
                    and is_pure_reference(n.value))
    statement = innermost_statement(where, inp.line, inp.function_start)
    for read in reversed(reads):  # innermost first
        index = read.slice[0].slice
        assert isinstance(index, cst.Index)
        seq, idx = code(module, read.value), code(module, index.value)
        if idx in ("0", "-1"):
            condition, expression = seq, code(module, read)
        elif is_pure_reference(index.value):
            condition, expression = f"-len({seq}) <= {idx} < len({seq})", code(module, read)
        else:
            name = _fresh_name(inp.source)
            condition = f"({name} := {idx}) < len({seq})"
            expression = f"{seq}[{name}]"
        in_loop_test = isinstance(statement, cst.While) and _contains(statement.test, read)
        for default in () if in_loop_test else DEFAULTS:  # a default would never end the loop
            yield (f"Use {default} when the index `{idx}` is past the end of `{seq}`",
                   replace(module, read, cst.parse_expression(
                       f"({expression} if {condition} else {default})")))
        if isinstance(statement, cst.While | cst.If) and is_pure_reference(index.value) \
                and _contains(statement.test, read):
            # `while text[end] != " "` walks off the end: the loop stops there too.
            test = code(module, statement.test)
            for bound in (f"{idx} < len({seq})", condition):
                yield (f"Stop at the end of `{seq}`: `{bound} and ...` in the condition",
                       replace(module, statement.test,
                               cst.parse_expression(f"{bound} and ({test})")))
        if statement is not None and (is_pure_reference(index.value) or idx in ("0", "-1")):
            guard = cst.parse_statement(f"if not ({condition}):\n    return None\n")
            yield (f"Return early when the index `{idx}` is past the end of `{seq}`",
                   replace(module, statement, cst.FlattenSentinel([guard, statement])))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "IndexError":
        return Decline(STRATEGY, f"applies to IndexError, not {inp.exception_type}")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"no indexed read of a sequence on line {inp.line}")
