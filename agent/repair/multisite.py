"""The same edit at every equivalent site of a function, as one candidate.

A bug can need one fix twice: the same wrong name read in two places, the same `<` that
should be `<=` in both halves of a range check, the same off-by-one index on two lines. A
single edit that renames an operand or a callee, or changes an operator, a constant or an
index carries its `edit` (the before and after text, slips.py); the singles of
one family with the same edit are that fix at different sites, and their union is one more
mutation: every read of the name, every occurrence of the operator, every equal index. It is
placed right after the best-ranked of its sites, so it is tried in the singles' tier, before
any pair.

Only those families are repeated: an edit that can mask an error (a guard, a deleted
statement, a dropped condition) never is, and mutations.py drops a combined candidate that
would be labelled a fix where its single edit would not be. Operator sites may nest
(`a - b - c`); the operator is then changed in place at each. Other sites must not overlap.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace as with_fields
from typing import Any, cast

import libcst as cst
from libcst.metadata import CodeRange

from agent.repair.slips import Mutation

REPEATABLE = frozenset({"comparison", "arithmetic", "off-by-one", "constant", "variable",
                        "variable-loose", "builtin"})
_OPERATORS = frozenset({"comparison", "arithmetic"})
_OPERATOR_NODES = (cst.BinaryOperation, cst.AugAssign, cst.ComparisonTarget)

Key = tuple[str, str, str]


def _key(mutation: Mutation) -> Key | None:
    if mutation.edit is None or mutation.family not in REPEATABLE:
        return None
    family = "variable" if mutation.family == "variable-loose" else mutation.family
    return family, *mutation.edit


def _span(where: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode
          ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    pos = where.get(node)
    if pos is None:
        return None
    return (pos.start.line, pos.start.column), (pos.end.line, pos.end.column)


def _disjoint(nodes: Sequence[cst.CSTNode], where: Mapping[cst.CSTNode, CodeRange]) -> bool:
    spans = [_span(where, n) for n in nodes]
    if any(s is None for s in spans) or len(set(map(id, nodes))) < len(nodes):
        return False
    ordered = sorted(s for s in spans if s is not None)
    return all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))


class _Operators(cst.CSTTransformer):
    """The operator written `before` changed to `after`'s type at each node of `sites`."""

    def __init__(self, sites: set[int], before: str, after: type[Any]) -> None:
        self.sites, self.before, self.after = sites, before, after

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if id(original_node) not in self.sites or not isinstance(updated_node,
                                                                 _OPERATOR_NODES):
            return updated_node
        old: Any = updated_node.operator
        if cst.Module([]).code_for_node(old).strip() != self.before:
            return updated_node
        return updated_node.with_changes(operator=self.after(
            whitespace_before=old.whitespace_before, whitespace_after=old.whitespace_after))


def _operator_changes(sites: list[Mutation], where: Mapping[cst.CSTNode, CodeRange]
                      ) -> list[tuple[cst.CSTNode, cst.CSTNode]] | None:
    """(outermost node, its rewrite) for an operator edit at every site; None when the new
    operator cannot be read off the sites' replacements."""
    after = _new_operator(sites[0])
    if after is None:
        return None
    nodes = {id(m.target): m.target for m in sites}
    ids: set[int] = set()
    for node in nodes.values():  # a comparison's site is the comparison: mark its parts
        ids.add(id(node))
        if isinstance(node, cst.Comparison):
            ids.update(id(t) for t in node.comparisons)
    spans = {i: span for i, n in nodes.items() if (span := _span(where, n)) is not None}
    if len(spans) < len(nodes):
        return None
    outer = [n for i, n in nodes.items() if not any(
        j != i and spans[j][0] <= spans[i][0] and spans[i][1] <= spans[j][1] for j in spans)]
    transform = _Operators(ids, (sites[0].edit or ("", ""))[0], after)
    return [(node, cast(cst.CSTNode, node.visit(transform))) for node in outer]


def _new_operator(site: Mutation) -> type[Any] | None:
    replacement = site.replacement
    if isinstance(replacement, cst.BinaryOperation | cst.AugAssign):
        return type(replacement.operator)
    if isinstance(replacement, cst.Comparison) and isinstance(site.target, cst.Comparison):
        for old, new in zip(site.target.comparisons, replacement.comparisons, strict=True):
            if old is not new:
                return type(new.operator)
    return None


def _combined(sites: list[Mutation], where: Mapping[cst.CSTNode, CodeRange]
              ) -> Mutation | None:
    first = sites[0]
    if first.family in _OPERATORS:
        changes = _operator_changes(sites, where)
    else:
        targets = [m.target for m in sites]
        changes = [(m.target, m.replacement) for m in sites] if _disjoint(targets, where) \
            else None
    if not changes:
        return None
    family = "variable-loose" if any(m.family == "variable-loose" for m in sites) \
        else first.family
    before, after = first.edit or ("", "")
    lines = sorted({m.line for m in sites})
    description = (f"`{before}` → `{after}` at all {len(sites)} sites in the function "
                   f"(lines {', '.join(map(str, lines))})")
    (target, replacement), *rest = changes
    more = tuple(with_fields(first, target=t, replacement=r) for t, r in rest)
    return with_fields(first, family=family, description=description, target=target,
                       replacement=replacement, more=more, single=first)


def with_repeats(ranked: list[Mutation], where: Mapping[cst.CSTNode, CodeRange]
                 ) -> list[Mutation]:
    """`ranked` with, right after the best-ranked site of each edit found at two sites or
    more, the mutation making that edit at all of them."""
    groups: dict[Key, list[Mutation]] = {}
    for mutation in ranked:
        key = _key(mutation)
        if key is not None:
            groups.setdefault(key, []).append(mutation)
    out: list[Mutation] = []
    done: set[Key] = set()
    for mutation in ranked:
        out.append(mutation)
        key = _key(mutation)
        if key is None or key in done or len(groups[key]) < 2:
            continue
        if all(m.family == "variable-loose" for m in groups[key]):
            continue  # the name is used differently at every site: a long shot, repeated
        done.add(key)
        combined = _combined(groups[key], where)
        if combined is not None:
            out.append(combined)
    return out
