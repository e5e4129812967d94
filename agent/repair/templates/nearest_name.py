"""Nearest-name repair for NameError and AttributeError (not on None): a misspelt or renamed
name becomes the closest one that exists.

Names come from the "Did you mean" hint, the function's parameters and assignments, the
module's definitions and imports, the builtins, and, for a name defined in another module of
the repository, a new `from <module> import <name>` line. Attributes come from the hint and
from the attributes the repository defines (`self.x = ...`, dataclass fields, methods).
A name made plural (`bins_for` for `bin_for`) answers many where the old answered one: only
"the first of" it is offered, said so. A builtin is no answer for a helper built on its word
(`bin` for `bin_for`).
"""

from __future__ import annotations

import builtins
import difflib
import re
from collections.abc import Iterator, Mapping
from typing import Any

import libcst as cst

from agent.rca.renames import pluralises
from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    function_node,
    on_line,
    positions,
    replace,
)
from agent.repair.regression import module_name

STRATEGY = "template:nearest-name"
_UNDEFINED = re.compile(r"name '(\w+)' is not defined")
_NO_ATTR = re.compile(r"has no attribute '(\w+)'")
_HINT = re.compile(r"Did you mean:? '?([\w.]+)'?\??")
_DEFINED = re.compile(r"^(?:def|class|async def)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=", re.M)
_ATTRIBUTE = re.compile(r"self\.(\w+)\s*(?::[^=]*)?=|^\s+(\w+)\s*:\s*[\w\[\]., |]+(?:=|$)"
                        r"|^\s+def\s+(\w+)", re.M)
MAX_NAMES = 4
_BUILTINS = frozenset(dir(builtins))


def _abbreviates(short: str, name: str) -> bool:
    """`qty` for `quantity`: same first letter, the letters in order."""
    if not short or not name or short[0] != name[0] or len(short) >= len(name):
        return False
    rest = iter(name)
    return all(letter in rest for letter in short)


def _closest(wanted: str, names: set[str], hint: str | None) -> list[str]:
    names.discard(wanted)
    ranked = difflib.get_close_matches(wanted, sorted(names), n=MAX_NAMES, cutoff=0.6)
    # A rename often keeps a word: qty -> quantity, bin_for -> bin_for_sku.
    ranked += [n for n in sorted(names) if n not in ranked and len(wanted) > 2
               and (n.startswith(wanted) or wanted.startswith(n) or wanted in n
                    or _abbreviates(wanted, n))][:MAX_NAMES]
    if hint and hint != wanted:
        ranked = [hint, *[n for n in ranked if n != hint]]
    return ranked[:MAX_NAMES + 1]


def _scope_names(module: cst.Module, where: Mapping[cst.CSTNode, object],
                 inp: RepairInput) -> set[str]:
    names = {m.group(1) or m.group(2) for m in _DEFINED.finditer(inp.source)}
    for node in list[Any](module.body):
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(
                        small.names, cst.ImportStar):
                    for alias in small.names:
                        target = alias.asname.name if alias.asname else alias.name
                        names.add(code(module, target).split(".")[0])
    function = function_node(where, inp)  # type: ignore[arg-type]
    if function is not None:
        names |= {p.name.value for p in function.params.params}
        names |= {p.name.value for p in function.params.kwonly_params}
        for node in where:
            if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
                names.add(node.target.value)
            if isinstance(node, cst.For | cst.CompFor) and isinstance(node.target, cst.Name):
                names.add(node.target.value)
    return names | set(dir(builtins))


def _import_line(inp: RepairInput, name: str) -> str | None:
    for path, source in sorted(inp.repo_sources.items()):
        if path == inp.path or "test" in path.split("/")[0]:
            continue
        if any((m.group(1) or m.group(2)) == name for m in _DEFINED.finditer(source)):
            module = module_name(path)
            if module:
                return f"from {module} import {name}\n"
    return None


def _with_import(source: str, line: str) -> str:
    lines = source.splitlines(keepends=True)
    last_import = max((i for i, text in enumerate(lines)
                       if text.startswith(("import ", "from "))), default=-1)
    if last_import < 0:
        return line + source if not source.startswith(('"""', "'''")) else source
    return "".join([*lines[:last_import + 1], line, *lines[last_import + 1:]])


def _names(inp: RepairInput, wanted: str, hint: str | None) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    uses = on_line(where, inp.line, cst.Name, lambda n: n.value == wanted)
    calls = on_line(where, inp.line, cst.Call,
                    lambda n: isinstance(n.func, cst.Name) and n.func.value == wanted)
    for replacement in _closest(wanted, _scope_names(module, where, inp), hint):
        if replacement in _BUILTINS and replacement in wanted.split("_") and \
                replacement != hint:
            continue  # `bin_for` is a helper built on the word, not a misspelt `bin`
        if not pluralises(wanted, replacement):
            for use in uses:
                yield (f"Use `{replacement}` for the undefined name `{wanted}`",
                       replace(module, use, cst.Name(replacement)))
            continue
        # bin_for(sku) -> bins_for(sku): the new function answers a list where the old one
        # answered one, so the plain new name is no drop-in; the first is the guess offered.
        for call in calls:
            new = cst.Subscript(value=call.with_changes(func=cst.Name(replacement)),
                                slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))])
            yield (f"Use the first of `{replacement}(...)` for the undefined `{wanted}`",
                   replace(module, call, new))
    import_line = _import_line(inp, wanted)
    if import_line:
        yield (f"Import `{wanted}`: {import_line.strip()}",
               _with_import(inp.source, import_line))


def _attributes(inp: RepairInput, wanted: str, hint: str | None) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    uses = on_line(where, inp.line, cst.Attribute, lambda n: n.attr.value == wanted)
    known: set[str] = set()
    for source in [inp.source, *inp.repo_sources.values()]:
        for match in _ATTRIBUTE.finditer(source):
            known.add(next(g for g in match.groups() if g))
    for replacement in _closest(wanted, known, hint.split(".")[-1] if hint else None):
        for use in uses:
            yield (f"Use the attribute `{replacement}` for the missing `{wanted}` "
                   f"(`{code(module, use.value)}.{replacement}`)",
                   replace(module, use, use.with_changes(attr=cst.Name(replacement))))


def propose(inp: RepairInput) -> Proposal:
    hint_match = _HINT.search(inp.exception_message)
    hint = hint_match.group(1) if hint_match else None
    undefined = _UNDEFINED.search(inp.exception_message)
    if inp.exception_type in ("NameError", "UnboundLocalError") and undefined:
        return collect(inp, STRATEGY, _names(inp, undefined.group(1), hint), allow_imports=True,
                       none_reason=f"no name close to {undefined.group(1)!r} in scope or in "
                                   "the repository")
    missing = _NO_ATTR.search(inp.exception_message)
    if inp.exception_type == "AttributeError" and missing and "NoneType" not in \
            inp.exception_message:
        return collect(inp, STRATEGY, _attributes(inp, missing.group(1), hint),
                       none_reason=f"no attribute close to {missing.group(1)!r} in the "
                                   "repository")
    return Decline(STRATEGY, "applies to NameError and AttributeError on a non-None object")
