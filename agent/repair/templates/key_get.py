"""KeyError → `.get()`: a missing key yields a default instead of raising.

Applies to `mapping[key]` read on the crashing line, including `os.environ[...]`. The key in
the exception message picks the subscript when it is a literal; a variable key is a guess
the tests must confirm.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper

from agent.repair import culprit_edits
from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    collect,
    positions,
    replace,
    spans_line,
)
from agent.repair.templates.key_fallback import replaced_literals

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


def _culprit_defaults(inp: RepairInput) -> tuple[str, ...]:
    """The values the code used before the culprit made it read the key."""
    missing = _literal(inp.exception_message)
    culprit = inp.culprit
    if not isinstance(missing, str) or culprit is None or inp.path not in culprit.files:
        return ()
    parent, after, _ = culprit.files[inp.path]
    return tuple(replaced_literals(parent or "", after or "", missing))


def _rewrites(inp: RepairInput, module: cst.Module,
              targets: list[cst.Subscript]) -> Iterator[tuple[str, str]]:
    for target in targets:
        index = target.slice[0].slice
        assert isinstance(index, cst.Index)
        subject = module.code_for_node(target.value)
        key = module.code_for_node(index.value)
        for default in (*_culprit_defaults(inp), *DEFAULTS):
            args = [cst.Arg(index.value)]
            if default is not None:
                args.append(cst.Arg(cst.parse_expression(default)))
            call = cst.Call(func=cst.Attribute(value=target.value, attr=cst.Name("get")),
                            args=args)
            what = f"`{subject}.get({key}" + (f", {default})`" if default is not None else ")`")
            yield (f"Read the key with {what}, so a missing key no longer raises",
                   replace(module, target, call))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "KeyError":
        return Decline(STRATEGY, f"applies to KeyError, not {inp.exception_type}")
    if _literal(inp.exception_message) in culprit_edits.read(inp.culprit).keys_renamed_in(
            inp.path):
        return Decline(STRATEGY, "the culprit renamed this key: key-fallback applies")
    module, targets = _targets(inp)
    if not targets:
        return Decline(STRATEGY, f"no subscript read of {inp.exception_message} on line {inp.line}")
    return collect(inp, STRATEGY, _rewrites(inp, module, targets))
