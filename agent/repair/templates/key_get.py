"""KeyError → `.get()`: a missing key yields a default instead of raising.

Applies to `mapping[key]` read on the crashing line, including `os.environ[...]`. The key in
the exception message picks the subscript when it is a literal; a variable key is a guess
the tests must confirm.
"""

from __future__ import annotations

import ast
from typing import cast

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper

from agent.repair.base import Decline, RepairInput, make_candidate, positions, spans_line
from agent.state import Candidate

STRATEGY = "template:key-get"
DEFAULTS = (None, '""', "0", "[]", "{}")


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def _targets(inp: RepairInput) -> tuple[cst.Module, list[cst.Subscript]]:
    module, where = positions(inp.source)
    contexts = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ExpressionContextProvider)
    missing = _literal(inp.exception_message)
    exact, guesses = [], []
    for node, pos in where.items():
        if not (isinstance(node, cst.Subscript) and spans_line(pos, inp.line)):
            continue
        if contexts.get(node) != ExpressionContext.LOAD or len(node.slice) != 1:
            continue
        index = node.slice[0].slice
        if not isinstance(index, cst.Index):
            continue
        key = _literal(module.code_for_node(index.value))
        if key is _NOT_LITERAL:
            guesses.append(node)
        elif key == missing:
            exact.append(node)
    return module, exact or guesses


def propose(inp: RepairInput) -> list[Candidate] | Decline:
    if inp.exception_type != "KeyError":
        return Decline(STRATEGY, f"applies to KeyError, not {inp.exception_type}")
    module, targets = _targets(inp)
    if not targets:
        return Decline(STRATEGY, f"no subscript read of {inp.exception_message} on line {inp.line}")
    found: list[Candidate] = []
    for target in targets:
        index = target.slice[0].slice
        assert isinstance(index, cst.Index)
        subject = module.code_for_node(target.value)
        for default in DEFAULTS:
            args = [cst.Arg(index.value)]
            if default is not None:
                args.append(cst.Arg(cst.parse_expression(default)))
            call = cst.Call(func=cst.Attribute(value=target.value, attr=cst.Name("get")),
                            args=args)
            new = cast(cst.Module, module.deep_replace(target, call))
            what = f"`{subject}.get({module.code_for_node(index.value)}"
            what += f", {default})`" if default is not None else ")`"
            candidate = make_candidate(
                inp, STRATEGY, f"Read the key with {what}, so a missing key no longer raises",
                new.code)
            if isinstance(candidate, Candidate):
                found.append(candidate)
    return found or Decline(STRATEGY, "every rewrite fell outside the function")
