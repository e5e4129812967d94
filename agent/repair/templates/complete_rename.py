"""Complete a rename the culprit made: the place it missed uses the new name.

The culprit renamed a dict key, a setting or environment variable (`"user"` → `"user_id"`),
an attribute or method (`.qty` → `.quantity`), a function (`load` → `load_config`) or moved a
definition or a module; the crashing function still uses the old name. The error names it
(`KeyError: 'user'`, `has no attribute 'qty'`, `name 'load' is not defined`, `cannot import
name 'slug' from 'app.util'`, `No module named 'app.util'`), and the culprit's own diff says
what it is called now. The old name becomes the new one in the crashing function (every use
of it there: one rename is one change), with the other names the culprit renamed beside it
that only this module still uses (`SMTP_PORT` with `SMTP_HOST`), or the import names the
new place. When nothing in the repository provides the old name any more, its uses in other
modules are stale too and change in the same candidate (`stale_sites`); a use left alone
(another library's object may have the name, or it is elsewhere in this module) is said.
A default or a guard would only hide the missing value; this reads the real one.

A rename that makes the name plural (`bin_for` → `bins_for`) is not completed: one value
became many, and which of them the missed place needs (the first, any, all) is a decision
the rename does not make.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator

import libcst as cst

from agent.rca.renames import pluralises
from agent.repair import culprit_edits
from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    function_node,
    positions,
    replace_many,
)
from agent.repair.culprit_edits import CulpritEdits, Move
from agent.repair.templates.stale_sites import Sites, receivers, stale_sites, with_files

STRATEGY = "template:complete-rename"

_ATTR = re.compile(r"has no attribute '(\w+)'")
_OWNER = re.compile(r"^'(\w+)' object has no attribute")
_MODULE_ATTR = re.compile(r"^module '([\w.]+)' has no attribute '(\w+)'")
_NAME = re.compile(r"name '(\w+)' is not defined")
_IMPORT_NAME = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def missing_name(exception_type: str, message: str) -> tuple[str, str] | None:
    """(kind, old name) the error says is missing: kind is "string" (a key), "attr" or
    "name" (a bare name)."""
    if exception_type == "KeyError":
        try:
            value = ast.literal_eval(message.strip())
        except (ValueError, SyntaxError):
            return None
        return ("string", value) if isinstance(value, str) else None
    if exception_type == "AttributeError" and "NoneType" not in message:
        found = _ATTR.search(message)
        return ("attr", found.group(1)) if found else None
    if exception_type in ("NameError", "UnboundLocalError"):
        found = _NAME.search(message)
        return ("name", found.group(1)) if found else None
    return None


def _defined_somewhere(new: str, inp: RepairInput) -> bool:
    """The new name is really in use in the repository (not a one-off token of the diff)."""
    pattern = re.compile(rf"(?<![\w]){re.escape(new)}(?![\w])")
    return any(pattern.search(text) for text in inp.repo_sources.values()) or \
        bool(pattern.search(inp.source))


def _quoted_like(value: str, literal: str) -> str:
    return json.dumps(value) if literal.lstrip("rbuRBU").startswith('"') else repr(value)


def _renamed_in(scope: cst.CSTNode, kind: str, old: str,
                new: str) -> list[tuple[cst.CSTNode, cst.CSTNode]]:
    """Each use of `old` inside `scope` with `new` in its place: string literals for a key,
    attribute names for an attribute, bare names (not attribute names) for a name."""
    found: list[tuple[cst.CSTNode, cst.CSTNode]] = []
    attribute_names: set[int] = set()

    class Uses(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if kind == "string" and node.evaluated_value == old:
                found.append((node, cst.SimpleString(_quoted_like(new, node.value))))

        def visit_Attribute(self, node: cst.Attribute) -> None:
            attribute_names.add(id(node.attr))  # seen before the attribute's own Name
            if kind == "attr" and node.attr.value == old:
                found.append((node.attr, cst.Name(new)))

        def visit_Name(self, node: cst.Name) -> None:
            if kind == "name" and node.value == old and id(node) not in attribute_names:
                found.append((node, cst.Name(new)))

    scope.visit(Uses())
    return found


def _rename_rewrites(inp: RepairInput,
                     edits: CulpritEdits) -> Iterator[tuple[str, str, dict[str, str]]]:
    missing = missing_name(inp.exception_type, inp.exception_message)
    if missing is None:
        return
    kind, old = missing
    module, where = positions(inp.source)
    function = function_node(where, inp)
    if function is None:
        return
    for new, times in edits.renamed_from(old, quoted=kind == "string"):
        if pluralises(old, new) or not _defined_somewhere(new, inp):
            continue
        mapping = _renamed_in(function, kind, old, new)
        if not mapping:
            continue
        places = sorted({r.path for r in edits.renames
                         if (r.old, r.new, r.quoted) == (old, new, kind == "string")})
        also = [(o, n) for o, n in _companions(inp, edits, kind, old, places)
                if _renamed_in(function, kind, o, n)]
        for other_old, other_new in also:
            mapping += _renamed_in(function, kind, other_old, other_new)
        rest = "".join(f"; `{o}` → `{n}` too" for o, n in also)
        source = replace_many(module, mapping)
        sites = _stale_sites(inp, kind, old, new, source)
        source = sites.files.pop(inp.path, (source, 0))[0]  # its other functions' uses too
        missed = "this one" if not sites.files else "this one and " + ", ".join(
            f"{_uses(n)} in {p}" for p, (_, n) in sites.files.items())
        unsure = "".join(f"; left {_uses(n)} of `{old}` in {p}: alertfix cannot tell they are "
                         "on the renamed object" for p, n in sites.unsure.items())
        outside = len(_renamed_in(cst.parse_module(source), kind, old, new))
        left = f"; left {_uses(outside)} of `{old}` in {inp.path}" \
            if outside and inp.path not in sites.unsure else ""
        yield (f"Use the new name the culprit gave `{old}`: `{new}` (it renamed it in "
               f"{times} place{'s' if times != 1 else ''}, {', '.join(places[:3])}, and missed "
               f"{missed}){rest}{unsure}{left}", source,
               {p: text for p, (text, _) in sites.files.items()})


def _changed_lines(before: str, after: str) -> list[int]:
    """1-based lines that differ, when a rename kept the line count (else none)."""
    old, new = before.splitlines(), after.splitlines()
    if len(old) != len(new):
        return []
    return [n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b]


def _uses(n: int) -> str:
    return f"{n} use{'s' if n != 1 else ''}"


def _stale_sites(inp: RepairInput, kind: str, old: str, new: str, rewritten: str) -> Sites:
    """The uses of `old` the rename left stale (the crashing module as `rewritten`), on the
    objects the crashing function reads it from or (an attribute) of the class the error
    names."""
    lines = inp.source.splitlines(keepends=True)[inp.function_start - 1:inp.function_end]
    anchors = receivers(kind, old, "".join(lines))
    if kind == "attr" and (owner := _OWNER.match(inp.exception_message)) is not None:
        anchors.add(owner.group(1))
    return stale_sites(kind, old, new, {**inp.repo_sources, inp.path: inp.source}, anchors,
                       (inp.path, rewritten))


def _companions(inp: RepairInput, edits: CulpritEdits, kind: str, old: str,
                places: list[str]) -> list[tuple[str, str]]:
    """The rest of the same rename: other names the culprit renamed where it renamed `old`
    (`SMTP_PORT` beside `SMTP_HOST`) that no module but the crashing one still uses."""
    quoted = kind == "string"
    found: dict[str, str] = {}
    for rename in edits.renames:
        other = rename.old
        if rename.quoted != quoted or rename.path not in places or other == old or \
                other in found:
            continue
        new = edits.renamed_from(other, quoted)[0][0]
        if pluralises(other, new) or not _defined_somewhere(new, inp) or \
                _used_elsewhere(other, inp):
            continue
        found[other] = new
    return sorted(found.items())


def _used_elsewhere(name: str, inp: RepairInput) -> bool:
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    return any(pattern.search(text) for path, text in inp.repo_sources.items()
               if path != inp.path)


def _import_rewrites(inp: RepairInput, moves: list[Move]) -> Iterator[tuple[str, str]]:
    """`from old import name` → `from new import name`, for what the culprit moved."""
    message = inp.exception_message
    wanted: list[Move] = []
    if (found := _IMPORT_NAME.search(message)) is not None:
        wanted = [m for m in moves if m.name == found.group(1)
                  and m.old_module == found.group(2)]
    elif (found := _NO_MODULE.search(message)) is not None:
        wanted = [m for m in moves if not m.name and m.old_module == found.group(1)]
    elif (found := _MODULE_ATTR.search(message)) is not None:
        wanted = [m for m in moves if m.name == found.group(2)
                  and m.old_module.endswith(found.group(1))]
    if not wanted:
        return
    module = cst.parse_module(inp.source)
    for move in wanted:
        mapping: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        for statement in module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and small.module is not None and \
                        code(module, small.module) == move.old_module:
                    mapping.append((small.module, cst.parse_expression(move.new_module)))
                elif isinstance(small, cst.Import) and not move.name:
                    for alias in small.names:
                        if code(module, alias.name) == move.old_module:
                            mapping.append((alias.name, cst.parse_expression(move.new_module)))
        if not mapping:
            continue
        what = f"`{move.name}`" if move.name else f"module `{move.old_module}`"
        yield (f"Import {what} from where the culprit moved it: `{move.new_module}`",
               replace_many(module, mapping))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type not in ("KeyError", "AttributeError", "NameError",
                                  "UnboundLocalError", "ImportError", "ModuleNotFoundError"):
        return Decline(STRATEGY, f"applies to a missing name, not {inp.exception_type}")
    if inp.culprit is None:
        return Decline(STRATEGY, "no culprit commit to read renames from")
    edits = culprit_edits.read(inp.culprit)
    if not edits.renames and not edits.moves:
        return Decline(STRATEGY, "the culprit renamed and moved nothing")
    renamed = list(_rename_rewrites(inp, edits))
    rewrites = [*((d, s) for d, s, _ in renamed), *_import_rewrites(inp, edits.moves)]
    # The crashing module's lines a stale use outside the function was renamed on.
    lines = {n for _, s, _ in renamed for n in _changed_lines(inp.source, s)}
    inp = RepairInput(**{**inp.__dict__,
                         "also_allowed": (*inp.also_allowed, *((n, n) for n in sorted(lines)))})
    found = collect(inp, STRATEGY, iter(rewrites), allow_imports=True,
                    none_reason=_none_reason(inp, edits))
    if isinstance(found, Decline):
        return found
    # The stale uses in other modules are part of the same rename: one change, one candidate.
    extras = {source: extra for _, source, extra in renamed if extra}
    return [with_files(c, extras[c.new_source], inp.repo_sources)
            if c.new_source in extras else c for c in found]


def _none_reason(inp: RepairInput, edits: CulpritEdits) -> str:
    missing = missing_name(inp.exception_type, inp.exception_message)
    plural = [new for new, _ in edits.renamed_from(missing[1], quoted=missing[0] == "string")
              if pluralises(missing[1], new)] if missing else []
    if missing and plural:
        return (f"the culprit renamed `{missing[1]}` to `{plural[0]}`: one became many, so the "
                f"new name is not a drop-in; which of them {inp.function} needs (the first, "
                "any, all) is for a human to decide")
    return "the culprit did not rename or move the missing name"
