"""Which functions and methods a change touches, found with libcst.

A file is split into units: each function or method by qualified name ("Class.method"), each
class body outside its methods by class name, and the module's own statements outside any
definition (MODULE). Imports are left out: whether a new import is acceptable is the
dependency rule's business, and a fix often needs one. Leading blank lines and comments above
a definition are left out too, so that reflowing the space between functions is no change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from guardrails.pycode import MODULE

_Def = cst.FunctionDef | cst.ClassDef


@dataclass(frozen=True)
class Units:
    code: dict[str, str]  # unit -> its source
    module_statements: tuple[str, ...]  # module-level statements outside definitions, in order


def _is_import(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
    )


def _code(module: cst.Module, node: cst.CSTNode) -> str:
    if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.SimpleStatementLine):
        node = node.with_changes(leading_lines=())
    return module.code_for_node(node).strip()


def _walk(
    module: cst.Module, body: Sequence[cst.CSTNode], prefix: str, out: dict[str, str]
) -> list[str]:
    """Record the definitions in `body` under `prefix`; return the other statements' code."""
    rest: list[str] = []
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            out[prefix + stmt.name.value] = _code(module, stmt)
        elif isinstance(stmt, cst.ClassDef):
            name = prefix + stmt.name.value
            inner = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
            own = _walk(module, inner, name + ".", out)
            header = _code(module, stmt.with_changes(body=cst.IndentedBlock(body=[])))
            out[name] = "\n".join([header, *own])
        elif not _is_import(stmt):
            rest.append(_code(module, stmt))
    return rest


def units(text: str) -> Units:
    """Raises libcst.ParserSyntaxError when `text` is not Python libcst can parse."""
    module = cst.parse_module(text)
    code: dict[str, str] = {}
    statements = _walk(module, module.body, "", code)
    code[MODULE] = "\n".join(statements)
    return Units(code, tuple(statements))


@dataclass(frozen=True)
class Change:
    modified: frozenset[str]  # units in both versions whose code differs
    added: frozenset[str]  # units only in the new version
    removed: frozenset[str]  # units only in the old version
    module_appended_only: bool  # module statements only added, none changed or removed

    @property
    def touched(self) -> frozenset[str]:
        return self.modified | self.added | self.removed


def _is_subsequence(small: Sequence[str], big: Sequence[str]) -> bool:
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def diff_units(before: str, after: str) -> Change:
    old, new = units(before), units(after)
    modified = {u for u in old.code.keys() & new.code.keys() if old.code[u] != new.code[u]}
    return Change(
        modified=frozenset(modified),
        added=frozenset(new.code.keys() - old.code.keys()),
        removed=frozenset(old.code.keys() - new.code.keys()),
        module_appended_only=_is_subsequence(old.module_statements, new.module_statements),
    )


def in_scope(unit: str, allowed: Sequence[str]) -> bool:
    """A unit is in scope if it, or a class or function containing it, was named (or '*')."""
    return any(name == "*" or unit == name or unit.startswith(name + ".") for name in allowed)
