"""The small edits a human slip is made of, collected site by site over one function body.

Comparison and arithmetic operators, off-by-one on indices, ranges, slices and returned
numbers, swapped arguments and operands, negated or dropped conditions, constants, changed
return values, a variable replaced by another name in scope, a deleted statement, a statement
copied in from the same function. Each edit is a Mutation; mutations.py ranks and builds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, ExpressionContext

from agent.repair.base import code
from agent.repair.expressions import family_rank, statement_kind

FAMILIES = ("comparison", "arithmetic", "off-by-one", "swap", "condition", "constant",
            "return", "variable", "delete", "copy")


@dataclass(frozen=True)
class Mutation:
    family: str
    description: str
    target: cst.CSTNode
    replacement: Any  # a node, or a FlattenSentinel / RemovalSentinel for statements
    line: int
    kind: str = "other"  # of the statement it sits in (expressions.KINDS)
    # The change itself, as text (`<` → `<=`, `size` → `factor`, `i` → `i - 1`): two sites
    # with the same family and edit take the same fix (multisite.py). None: not repeatable.
    edit: tuple[str, str] | None = None
    more: tuple[Mutation, ...] = ()  # the same edit at the function's other sites
    single: Mutation | None = None  # for an edit made at several sites, its first site alone

    def key(self, crash_line: int) -> tuple[int, int]:
        return family_rank(self.family, self.kind), abs(self.line - crash_line)

    @property
    def changes(self) -> list[tuple[cst.CSTNode, Any]]:
        """(node, replacement) at every site this mutation edits."""
        return [(self.target, self.replacement), *((m.target, m.replacement) for m in self.more)]

    def first(self) -> Mutation:
        """The edit at its first site only."""
        return self.single or self


_COMPARISONS: dict[type[cst.BaseCompOp], tuple[type[cst.BaseCompOp], ...]] = {
    cst.LessThan: (cst.LessThanEqual, cst.GreaterThan),
    cst.LessThanEqual: (cst.LessThan, cst.GreaterThanEqual),
    cst.GreaterThan: (cst.GreaterThanEqual, cst.LessThan),
    cst.GreaterThanEqual: (cst.GreaterThan, cst.LessThanEqual),
    cst.Equal: (cst.NotEqual,),
    cst.NotEqual: (cst.Equal,),
    cst.Is: (cst.IsNot,),
    cst.IsNot: (cst.Is,),
    cst.In: (cst.NotIn,),
    cst.NotIn: (cst.In,),
}
_ARITHMETIC: dict[type[cst.BaseBinaryOp], tuple[type[cst.BaseBinaryOp], ...]] = {
    cst.Add: (cst.Subtract,),
    cst.Subtract: (cst.Add,),
    cst.Multiply: (cst.Divide,),
    cst.Divide: (cst.Multiply, cst.FloorDivide),
    cst.FloorDivide: (cst.Divide,),
    cst.Modulo: (cst.FloorDivide,),
}
_AUGMENTED: dict[type[cst.BaseAugOp], type[cst.BaseAugOp]] = {
    cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
    cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign,
}
_NON_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)


def _op_text(op: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(op).strip()


def _integer(node: cst.BaseExpression) -> int | None:
    """The value of an integer literal, negative ones included."""
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)):
        return -int(node.expression.value, 0)
    return None


def neighbours(value: int) -> set[int]:
    """The small numbers a slip swaps an integer for: its neighbours, 0, 1 and -1."""
    return {0, 1, -1, value + 1, value - 1} - {value}


def _plus(module: cst.Module, node: cst.BaseExpression, delta: int) -> cst.BaseExpression:
    """`node` moved by `delta`, folded the way a person would write it: `-2` → `-3`,
    `n - 1` → `n`, `end - start` → `end - start + 1`."""
    value = _integer(node)
    if value is not None:
        return cst.parse_expression(str(value + delta))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator,
                                                            cst.Add | cst.Subtract):
        right = _integer(node.right)
        if right is not None:
            moved = right + delta if isinstance(node.operator, cst.Add) else right - delta
            left = code(module, node.left)
            if moved == 0:
                return cst.parse_expression(left)
            sign = "+" if (moved > 0) == isinstance(node.operator, cst.Add) else "-"
            return cst.parse_expression(f"{left} {sign} {abs(moved)}")
    text = code(module, node)
    if "\n" in text:
        text = f"({text})"
    sign = "+" if delta > 0 else "-"
    loose = isinstance(node, cst.BooleanOperation | cst.IfExp | cst.Comparison | cst.Lambda) \
        or (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not))
    return cst.parse_expression(f"({text}) {sign} {abs(delta)}" if loose
                                else f"{text} {sign} {abs(delta)}")


class Slips(cst.CSTVisitor):
    """Collects the mutations of one function body."""

    METADATA_DEPENDENCIES = ()

    def __init__(self, module: cst.Module, where: dict[cst.CSTNode, CodeRange],
                 contexts: dict[cst.CSTNode, Any], names: list[str],
                 parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
        self.module, self.where, self.contexts, self.names = module, where, contexts, names
        self.parents = parents
        self.found: list[Mutation] = []
        self.statements: list[cst.SimpleStatementLine] = []

    def add(self, family: str, description: str, target: cst.CSTNode, replacement: Any,
            edit: tuple[str, str] | None = None) -> None:
        pos = self.where.get(target)
        self.found.append(Mutation(family, description, target, replacement,
                                   pos.start.line if pos else 0,
                                   statement_kind(target, self.parents), edit))

    def text(self, node: cst.CSTNode) -> str:
        return code(self.module, node).strip()

    # -- operators
    def visit_Comparison(self, node: cst.Comparison) -> None:
        for i, target in enumerate(node.comparisons):
            for other in _COMPARISONS.get(type(target.operator), ()):
                new_op = other()
                new = node.with_changes(comparisons=[
                    *node.comparisons[:i], target.with_changes(operator=new_op),
                    *node.comparisons[i + 1:]])
                edit = (_op_text(target.operator), _op_text(new_op))
                self.add("comparison", f"`{edit[0]}` → `{edit[1]}` in `{self.text(node)}`",
                         node, new, edit)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        for other in _ARITHMETIC.get(type(node.operator), ()):
            new_op = other()
            edit = (_op_text(node.operator), _op_text(new_op))
            self.add("arithmetic", f"`{edit[0]}` → `{edit[1]}` in `{self.text(node)}`", node,
                     node.with_changes(operator=new_op), edit)
        if isinstance(node.operator, _NON_COMMUTATIVE):
            self.add("swap", f"swap the operands of `{self.text(node)}`", node,
                     node.with_changes(left=node.right, right=node.left))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        other = _AUGMENTED.get(type(node.operator))
        if other is not None:
            edit = (_op_text(node.operator), _op_text(other()))
            self.add("arithmetic", f"`{edit[0]}` → `{edit[1]}` in `{self.text(node)}`", node,
                     node.with_changes(operator=other()), edit)

    # -- off by one
    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        inner = node.slice
        if isinstance(inner, cst.Index) and not isinstance(inner.value, cst.SimpleString):
            for delta in (1, -1):
                new = inner.with_changes(value=_plus(self.module, inner.value, delta))
                edit = (self.text(inner), self.text(new))
                self.add("off-by-one", f"index `{edit[0]}` → `{edit[1]}`", inner, new, edit)
        elif isinstance(inner, cst.Slice):
            for field in ("lower", "upper"):
                bound = getattr(inner, field)
                if bound is None:
                    continue
                for delta in (1, -1):
                    moved = inner.with_changes(**{field: _plus(self.module, bound, delta)})
                    edit = (self.text(inner), self.text(moved))
                    self.add("off-by-one", f"slice `{edit[0]}` → `{edit[1]}`", inner, moved,
                             edit)
                self.add("off-by-one", f"slice `{self.text(inner)}` without its {field} bound",
                         inner, inner.with_changes(**{field: None}))

    def visit_Call(self, node: cst.Call) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if isinstance(node.func, cst.Name) and node.func.value == "range":
            for arg in positional[:2]:
                for delta in (1, -1):
                    new_arg = arg.with_changes(value=_plus(self.module, arg.value, delta))
                    new = node.with_changes(args=[new_arg if a is arg else a for a in node.args])
                    edit = (self.text(node), self.text(new))
                    self.add("off-by-one", f"`{edit[0]}` → `{edit[1]}`", node, new, edit)
        if len(positional) >= 2 and len(positional) == len(node.args):
            for i in range(len(positional) - 1):
                args = list(node.args)
                a, b = args[i], args[i + 1]
                args[i] = a.with_changes(value=b.value)
                args[i + 1] = b.with_changes(value=a.value)
                self.add("swap", f"swap the arguments `{self.text(a.value)}` and "
                         f"`{self.text(b.value)}` of `{self.text(node.func)}`", node,
                         node.with_changes(args=args))

    # -- conditions
    def _negate(self, test: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return test.expression
        text = self.text(test)
        wrapped = f"not ({text})" if isinstance(
            test, cst.BooleanOperation | cst.Comparison | cst.IfExp) else f"not {text}"
        return cst.parse_expression(wrapped)

    def visit_If(self, node: cst.If) -> None:
        self.add("condition", f"negate `{self.text(node.test)}`", node.test,
                 self._negate(node.test))
        if node.orelse is None and isinstance(node.body, cst.IndentedBlock):
            self.add("condition", f"drop the condition `{self.text(node.test)}`", node,
                     cst.FlattenSentinel(list(node.body.body)))

    def visit_While(self, node: cst.While) -> None:
        self.add("condition", f"negate `{self.text(node.test)}`", node.test,
                 self._negate(node.test))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.add("condition", f"negate `{self.text(node.test)}`", node.test,
                 self._negate(node.test))

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        other = cst.Or() if isinstance(node.operator, cst.And) else cst.And()
        self.add("condition", f"`{_op_text(node.operator)}` → `{_op_text(other)}` in "
                 f"`{self.text(node)}`", node, node.with_changes(operator=other))
        for kept in (node.left, node.right):
            self.add("condition", f"keep only `{self.text(kept)}` of `{self.text(node)}`",
                     node, kept)

    # -- constants
    def visit_Integer(self, node: cst.Integer) -> None:
        value = int(node.value, 0)
        for new in sorted(neighbours(value)):
            replacement = cst.parse_expression(str(new))
            self.add("constant", f"`{value}` → `{new}`", node, replacement,
                     (node.value, str(new)))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in ("True", "False"):
            other = "False" if node.value == "True" else "True"
            self.add("constant", f"`{node.value}` → `{other}`", node, cst.Name(other),
                     (node.value, other))
        elif node.value == "None":
            for new in ("0", '""', "[]"):
                self.add("constant", f"`None` → `{new}`", node, cst.parse_expression(new),
                         ("None", new))
        elif self.contexts.get(node) == ExpressionContext.LOAD and node.value in self.names:
            for other in self.names:
                if other != node.value:
                    self.add("variable", f"`{node.value}` → `{other}` on line "
                             f"{self.where[node].start.line}", node, cst.Name(other),
                             (node.value, other))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if len(node.value) > 2 and node.value[-2] not in "'\"":
            self.add("constant", f"`{node.value}` → `\"\"`", node, cst.SimpleString('""'),
                     (node.value, '""'))

    def visit_List(self, node: cst.List) -> None:
        if node.elements:
            self.add("constant", f"`{self.text(node)}` → `[]`", node, cst.List([]))

    # -- returns and statements
    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if value is None:
            return
        if not isinstance(value, cst.SimpleString | cst.List | cst.Dict | cst.Name):
            for delta in (1, -1):
                new = node.with_changes(value=_plus(self.module, value, delta))
                self.add("off-by-one", f"return `{self.text(new.value)}`",  # type: ignore[arg-type]
                         node, new)
        self.add("return", "return None", node, node.with_changes(value=cst.Name("None")))
        for name in self.names:
            if self.text(value) != name:
                self.add("return", f"return `{name}` instead of `{self.text(value)}`", node,
                         node.with_changes(value=cst.Name(name)))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statements.append(node)
        self.add("delete", f"delete `{self.text(node)}`", node, cst.RemoveFromParent())


def names_in_scope(function: cst.FunctionDef, where: dict[cst.CSTNode, CodeRange]) -> list[str]:
    names = [p.name.value for p in (*function.params.params, *function.params.kwonly_params)
             if p.name.value not in ("self", "cls")]
    start, end = where[function].start.line, where[function].end.line
    for node, pos in where.items():
        if not start <= pos.start.line <= end:
            continue
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.AssignTarget | cst.For | cst.CompFor):
            targets = [node.target]
        for target in targets:
            elements = target.elements if isinstance(target, cst.Tuple) else [target]
            for element in elements:
                value = element.value if isinstance(element, cst.Element) else element
                if isinstance(value, cst.Name) and value.value not in names:
                    names.append(value.value)
    return names


def copies(visitor: Slips, function: cst.FunctionDef) -> Iterator[Mutation]:
    """A statement copied in next to another statement of the same function."""
    assignments = [s for s in visitor.statements
                   if any(isinstance(b, cst.Assign | cst.AugAssign) for b in s.body)]
    for source in assignments:
        for anchor in visitor.statements:
            if anchor is source:
                continue
            pos = visitor.where[anchor]
            yield Mutation("copy", f"copy `{visitor.text(source)}` before line {pos.start.line}",
                           anchor, cst.FlattenSentinel([source.with_changes(leading_lines=[]),
                                                        anchor]), pos.start.line)


