"""Expression-level edits beyond mutations.py's slips, and the order families are tried in.

The operators follow the repair literature's (operand, operator, constant, condition, call
argument and slice edits): a builtin replaced by its mirror (`max`/`min`, `any`/`all`), two
call arguments swapped, a keyword argument dropped or added with a name the callee already
takes, a slice bound added (`a[i:]` → `a[i:-1]`), a loop over a trimmed sequence, and a `None`
guard (always a mitigation: classify.py labels it). Left out on purpose: widening or narrowing
an `if` by another condition of the function (`a > 1` → `a > 1 and b > 0`); on the project's
corpus its one passing patch was plausible but wrong. A variable replaced by another stays in
the `variable` family only where the other is used the same way (both called, iterated,
indexed, counted); otherwise it moves to `variable-loose`, tried last, as the replacement
likeliest to pass a weak test by chance.

Which families come first depends on the kind of the statement the edit sits in: a loop
header's slips are bounds, an if-condition's are comparisons, a call's are its arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange

from agent.repair.base import code

EXPRESSION_FAMILIES = ("builtin", "arguments", "slice", "guard", "variable-loose")
KINDS = ("return", "assignment", "if-condition", "loop-header", "call", "other")
_LATE = ("delete", "copy", "guard", "variable-loose")
# Families in the order they are tried, by the kind of the suspicious statement; those not
# named follow in mutations.FAMILIES' order, then _LATE.
ORDER: dict[str, tuple[str, ...]] = {
    "return": ("return", "arithmetic", "off-by-one", "builtin", "variable", "constant"),
    "assignment": ("arithmetic", "variable", "off-by-one", "builtin", "arguments", "swap"),
    "if-condition": ("comparison", "condition", "variable", "constant", "off-by-one"),
    "loop-header": ("off-by-one", "slice", "variable", "comparison", "condition"),
    "call": ("arguments", "swap", "variable", "builtin", "constant"),
    "other": (),
}
_BASE = ("comparison", "arithmetic", "off-by-one", "swap", "condition", "constant", "return",
         "variable", "builtin", "arguments", "slice")
_MIRRORS = {"max": "min", "min": "max", "any": "all", "all": "any", "floor": "ceil",
            "ceil": "floor", "startswith": "endswith", "endswith": "startswith"}
_ITERATING = {"len", "sorted", "sum", "list", "set", "tuple", "enumerate", "reversed", "zip"}


def family_rank(family: str, kind: str) -> int:
    """Where `family` comes for an edit inside a statement of `kind` (lower: sooner)."""
    first = ORDER.get(kind, ())
    if family in first:
        return first.index(family)
    if family in _LATE:
        return 100 + _LATE.index(family)
    return len(first) + (_BASE.index(family) if family in _BASE else 50)


def statement_kind(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> str:
    """The kind of the statement `node` sits in; an edit inside an `if`'s test is an
    if-condition, inside a `for`'s iterable or a `while`'s test a loop header."""
    child, current = node, node
    while current is not None:
        if isinstance(current, cst.If | cst.While | cst.For):
            if isinstance(current, cst.If) and child is current.test:
                return "if-condition"
            if (isinstance(current, cst.While) and child is current.test) or (
                    isinstance(current, cst.For) and child in (current.iter, current.target)):
                return "loop-header"
            if child is current:
                return "if-condition" if isinstance(current, cst.If) else "loop-header"
            return "other"
        if isinstance(current, cst.Return):
            return "return"
        if isinstance(current, cst.Assign | cst.AugAssign | cst.AnnAssign):
            return "assignment"
        if isinstance(current, cst.Expr):
            return "call" if isinstance(current.value, cst.Call) else "other"
        if isinstance(current, cst.SimpleStatementLine):
            small = current.body[0] if current.body else None
            return _small_kind(small) if child is current else "other"
        child, current = current, parents.get(current)  # type: ignore[assignment]
    return "other"


def _small_kind(small: cst.CSTNode | None) -> str:
    if isinstance(small, cst.Return):
        return "return"
    if isinstance(small, cst.Assign | cst.AugAssign | cst.AnnAssign):
        return "assignment"
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return "call"
    return "other"


def _role(node: cst.Name, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> str:
    """How a name is used where it appears: called, iterated, indexed, an attribute's base,
    a number, or plainly (passed, returned, compared for equality)."""
    parent = parents.get(node)
    if isinstance(parent, cst.Call) and parent.func is node:
        return "called"
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return "indexed"
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return "attribute"
    if isinstance(parent, cst.For | cst.CompFor) and parent.iter is node:
        return "iterated"
    if isinstance(parent, cst.Arg):
        call = parents.get(parent)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) \
                and call.func.value in _ITERATING:
            return "iterated"
    if isinstance(parent, cst.BinaryOperation | cst.AugAssign | cst.UnaryOperation):
        return "number"
    return "plain"


def compatible_names(function: cst.FunctionDef, parents: Mapping[cst.CSTNode, cst.CSTNode]
                     ) -> dict[str, set[str]]:
    """Each name of the function with the ways it is used."""
    roles: dict[str, set[str]] = {}

    class Uses(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            role = _role(node, parents)
            roles.setdefault(node.value, set())
            if role != "plain":
                roles[node.value].add(role)

    function.body.visit(Uses())
    return roles


def sort_variables(mutations: list[Any], parents: Mapping[cst.CSTNode, cst.CSTNode],
                   roles: Mapping[str, set[str]]) -> list[Any]:
    """`variable` mutations whose new name is not used the way the old one is used there
    (a number put where a list is iterated) become `variable-loose`."""
    out = []
    for mutation in mutations:
        if mutation.family == "variable" and isinstance(mutation.target, cst.Name) \
                and isinstance(mutation.replacement, cst.Name):
            role = _role(mutation.target, parents)
            other = roles.get(mutation.replacement.value, set())
            if role != "plain" and other and role not in other:
                mutation = replace(mutation, family="variable-loose")
        out.append(mutation)
    return out


def _callee(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def keywords_in_use(sources: list[str], callee: str) -> dict[str, list[str]]:
    """Keyword arguments other calls of `callee` pass (name → the values written there), and
    the parameters of a `def callee` in the repository (name → the name itself, to pass a
    variable of that name)."""
    found: dict[str, list[str]] = {}
    call = re.compile(rf"(?<!def )\b{re.escape(callee)}\(([^()]*)\)")
    definition = re.compile(rf"\bdef {re.escape(callee)}\(([^)]*)\)")
    for text in sources:
        for match in definition.finditer(text):
            for param in re.findall(r"(?:^|,)\s*\*?(\w+)", match.group(1)):
                if param not in ("self", "cls") and param not in found.get(param, []):
                    found.setdefault(param, []).append(param)
        for match in call.finditer(text):
            for kw, value in re.findall(r"(?:^|,)\s*(\w+)\s*=\s*([^,=]+?)\s*(?=,|$)",
                                        match.group(1)):
                if value not in found.get(kw, []):
                    found.setdefault(kw, []).append(value)
    return found


class ExpressionSites(cst.CSTVisitor):
    """Collects the expression-level edits of one function body, through `add`."""

    def __init__(self, module: cst.Module, add: Any, names: list[str],
                 sources: list[str]) -> None:
        self.module, self.add, self.names = module, add, names
        self.corpus = ["\n".join(dict.fromkeys(sources))]  # searched once per callee
        self.keywords: dict[str, dict[str, list[str]]] = {}

    def text(self, node: cst.CSTNode) -> str:
        return code(self.module, node).strip()

    def visit_Call(self, node: cst.Call) -> None:
        name = _callee(node.func)
        if name in _MIRRORS:
            func = (cst.Name(_MIRRORS[name]) if isinstance(node.func, cst.Name) else
                    node.func.with_changes(attr=cst.Name(_MIRRORS[name])))
            self.add("builtin", f"`{name}` → `{_MIRRORS[name]}` in `{self.text(node)}`", node,
                     node.with_changes(func=func), (name, _MIRRORS[name]))
        args = list(node.args)
        positional = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        keyword = [i for i, a in enumerate(args) if a.keyword is not None]
        for group in (positional, keyword):
            for x, i in enumerate(group):
                for j in group[x + 1:]:
                    if group is positional and j == i + 1:
                        continue  # adjacent positional swaps are mutations.py's
                    swapped = list(args)
                    swapped[i] = args[i].with_changes(value=args[j].value)
                    swapped[j] = args[j].with_changes(value=args[i].value)
                    self.add("arguments", f"swap `{self.text(args[i].value)}` and "
                             f"`{self.text(args[j].value)}` in `{self.text(node)}`", node,
                             node.with_changes(args=swapped))
        for i in keyword:
            kept = [a for k, a in enumerate(args) if k != i]
            if kept:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            self.add("arguments", f"drop `{self.text(args[i])}` from `{self.text(node)}`",
                     node, node.with_changes(args=kept))
        if name is None or any(a.star for a in args):
            return
        present = {a.keyword.value for a in args if a.keyword is not None}
        if name not in self.keywords:
            self.keywords[name] = keywords_in_use(self.corpus, name)
        for kw, value in ((k, v) for k, vs in self.keywords[name].items() for v in vs):
            if kw in present or (value == kw and kw not in self.names):
                continue
            try:
                new_arg = cst.Arg(keyword=cst.Name(kw), value=cst.parse_expression(value),
                                  equal=cst.AssignEqual(
                                      whitespace_before=cst.SimpleWhitespace(""),
                                      whitespace_after=cst.SimpleWhitespace("")))
            except cst.ParserSyntaxError:
                continue
            new_args = [*args[:-1], args[-1].with_changes(comma=cst.Comma(
                whitespace_after=cst.SimpleWhitespace(" ")))] if args else []
            self.add("arguments", f"pass `{kw}={value}` to `{self.text(node.func)}`", node,
                     node.with_changes(args=[*new_args, new_arg]))

    def visit_Slice(self, node: cst.Slice) -> None:
        if node.step is not None:
            return
        if node.upper is None:
            new = node.with_changes(upper=cst.parse_expression("-1"))
            self.add("slice", f"slice `{self.text(node)}` → `{self.text(new)}`", node, new)
        if node.lower is None:
            new = node.with_changes(lower=cst.Integer("1"))
            self.add("slice", f"slice `{self.text(node)}` → `{self.text(new)}`", node, new)

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.iter, cst.Name | cst.Attribute):
            for bounds in ("1:", ":-1"):
                new = cst.parse_expression(f"{self.text(node.iter)}[{bounds}]")
                self.add("slice", f"iterate over `{self.text(new)}`", node.iter, new)

    def visit_If(self, node: cst.If) -> None:
        guarded = sorted({self.text(n.value) for n in _bases(node.body)
                          if self.text(n.value) in self.names})
        for name in guarded:
            new = cst.parse_expression(f"{_wrapped(self.text(node.test))} and "
                                       f"{name} is not None")
            self.add("guard", f"only when `{name}` is not None: `{self.text(new)}`", node.test,
                     new)


def _wrapped(text: str) -> str:
    return f"({text})" if " or " in text or " and " in text else text


def _bases(body: cst.CSTNode) -> list[cst.Attribute | cst.Subscript]:
    """Attribute reads and subscripts in a block: what a None there would break."""
    found: list[cst.Attribute | cst.Subscript] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if isinstance(node.value, cst.Name):
                found.append(node)

        def visit_Subscript(self, node: cst.Subscript) -> None:
            if isinstance(node.value, cst.Name):
                found.append(node)

    body.visit(Reads())
    return found


def line_of(where: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode) -> int:
    pos = where.get(node)
    return pos.start.line if pos else 0
