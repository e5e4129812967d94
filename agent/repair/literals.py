"""Literal replacement: a literal swapped for another literal of its kind.

The program-repair literature's operator: a number or a string is replaced by another literal
of the same kind that the function uses, then by one the rest of the module uses (a wrong
key, a wrong constant); a float also by its small neighbours (n ± 1, 0, 1; an integer's are
the `constant` family's, slips.py); and an empty container by another (`()` ↔ `[]` ↔ `{}`,
`set()`, `""`: a tuple written where a list is appended to). Kinds never mix: an integer is
not replaced by a string or a float.

A literal from elsewhere is the edit likeliest to pass a weak test by chance, so the family
is ranked last of the expression edits (expressions.py), and each site gets only the closest
few sources (strings by similarity, numbers by distance): FROM_FUNCTION of the function's
own, FROM_MODULE of the module's. Docstrings, the messages of `raise` and `assert`, and what
is logged or printed are neither sites nor sources, nor are strings longer than LONGEST
characters (messages, not values).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import libcst as cst
from libcst.metadata import CodeRange

from agent.repair.base import code
from agent.repair.slips import neighbours

FAMILY = "literal"
FROM_FUNCTION = 4  # replacements per site taken from the function's own literals
FROM_MODULE = 2  # and from the rest of the module
LONGEST = 40  # characters of a string literal that is a value rather than a message
# An empty literal and what it is mistaken for.
_EMPTY_SWAPS: dict[str, tuple[str, ...]] = {
    "()": ("[]", "{}", '""'),
    "[]": ("()", "{}", '""'),
    "{}": ("[]", "set()", "()"),
    "set()": ("{}", "[]"),
    '""': ("[]",),
}

_MESSAGES = {"print", "debug", "info", "warning", "warn", "error", "exception", "critical",
             "log"}
Add = Callable[..., None]  # Slips.add: family, description, target, replacement, edit


@dataclass(frozen=True)
class _Literal:
    node: cst.CSTNode
    kind: str  # "int", "float", "str", "bytes"
    text: str  # as written
    value: str  # what is compared for similarity and sameness
    in_function: bool


def _empty(node: cst.CSTNode) -> str | None:
    """`()`, `[]`, `{}`, `set()` or `""` when `node` is that empty literal."""
    if isinstance(node, cst.Tuple | cst.List | cst.Dict) and not node.elements:
        return {cst.Tuple: "()", cst.List: "[]", cst.Dict: "{}"}[type(node)]
    if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name) \
            and node.func.value == "set":
        return "set()"
    if isinstance(node, cst.SimpleString) and len(node.value) == 2:
        return '""'
    return None


def _kind(node: cst.CSTNode) -> tuple[str, str] | None:
    """The kind of a number or string literal, and its value as compared."""
    if isinstance(node, cst.Integer):
        return "int", node.value
    if isinstance(node, cst.Float):
        return "float", node.value
    if isinstance(node, cst.SimpleString) and "\n" not in node.value \
            and node.value[-3:] not in ('"""', "'''") and len(node.value) <= LONGEST + 3:
        prefix = node.prefix.lower()
        if "f" in prefix:
            return None
        return ("bytes" if "b" in prefix else "str"), node.raw_value
    return None


def _quiet(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """A docstring (a bare string statement), part of a `raise`'s or an `assert`'s message,
    or an argument of a log or print call: text for people, not a value the code computes
    with."""
    child, current = node, parents.get(node)
    if isinstance(current, cst.Expr):
        return True
    while current is not None and not isinstance(current, cst.BaseStatement):
        if isinstance(current, cst.Raise) or (isinstance(current, cst.Assert)
                                              and child is current.msg):
            return True
        if isinstance(current, cst.Call) and child is not current.func:
            func = current.func
            name = func.attr.value if isinstance(func, cst.Attribute) else \
                func.value if isinstance(func, cst.Name) else ""
            if name in _MESSAGES:
                return True
        child, current = current, parents.get(current)
    return False


def _float_neighbours(text: str) -> list[str]:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return []
    out = []
    for new in (value + 1, value - 1, Decimal("0.0"), Decimal("1.0")):
        written = format(new, "f")
        written = written if "." in written else f"{written}.0"
        if new != value and written not in out:
            out.append(written)
    return out


def _closeness(kind: str, a: str, b: str) -> float:
    """Lower is closer: numbers by distance, strings by dissimilarity."""
    if kind in ("int", "float"):
        try:
            return abs(float(Decimal(a.replace("_", "")) - Decimal(b.replace("_", ""))))
        except (InvalidOperation, ValueError):
            return float("inf")
    return 1.0 - difflib.SequenceMatcher(None, a, b).ratio()


def literal_edits(module: cst.Module, body: cst.CSTNode, where: Mapping[cst.CSTNode, CodeRange],
                  parents: Mapping[cst.CSTNode, cst.CSTNode], add: Add) -> None:
    """Every literal replacement of the literals in `body` (a function's), through `add`.
    `where` holds every node of the module (read in place of a second traversal)."""
    span = where[body].start.line, where[body].end.line
    found: list[_Literal] = []
    for node, pos in where.items():
        kind = _kind(node)
        empty = _empty(node)
        if (kind is None and empty is None) or _quiet(node, parents):
            continue
        inside = span[0] <= pos.start.line <= span[1]
        if kind is not None:
            found.append(_Literal(node, kind[0], code(module, node).strip(), kind[1], inside))
        if empty is not None and inside:
            for new in _EMPTY_SWAPS[empty]:
                add(FAMILY, f"`{code(module, node).strip()}` → `{new}`", node,
                    cst.parse_expression(new), (empty, new))
    for site in (s for s in found if s.in_function):
        for new in _replacements(site, found):
            add(FAMILY, f"`{site.text}` → `{new}`", site.node, cst.parse_expression(new),
                (site.text, new))


def _replacements(site: _Literal, literals: list[_Literal]) -> list[str]:
    """The closest few literals of the site's kind: the function's, then the module's."""
    taken = {site.value, *(str(n) for n in neighbours(_int(site)))} if site.kind == "int" \
        else {site.value}
    out: list[str] = []
    for in_function, cap in ((True, FROM_FUNCTION), (False, FROM_MODULE)):
        pool: dict[str, _Literal] = {}
        for other in literals:
            if other.kind == site.kind and other.in_function == in_function \
                    and other.value not in taken:
                pool.setdefault(other.value, other)
        ranked = sorted(pool.values(), key=lambda o: _closeness(site.kind, site.value,
                                                                 o.value))
        for other in ranked[:cap]:
            taken.add(other.value)
            out.append(_requoted(site, other))
    if site.kind == "float":
        out += [n for n in _float_neighbours(site.value) if n not in out]
    return out


def _int(site: _Literal) -> int:
    try:
        return int(site.value, 0)
    except ValueError:
        return 0


def _requoted(site: _Literal, other: _Literal) -> str:
    """`other` written with the site's quotes and prefix, where its text allows."""
    if not isinstance(site.node, cst.SimpleString) or not isinstance(other.node,
                                                                      cst.SimpleString):
        return other.text
    quote, prefix = site.node.quote, site.node.prefix
    if quote in other.node.raw_value or "\\" in other.node.raw_value:
        return other.text
    return f"{prefix}{quote}{other.node.raw_value}{quote}"

