"""Test-guided mutation search over the faulty function.

Every site in the function gets the small edits a human slip is made of: comparison and
arithmetic operators, off-by-one on indices, ranges, slices and returned numbers, swapped
arguments and operands, negated or dropped conditions, constants, changed return values, a
variable replaced by another name in scope, a deleted statement, a statement copied in from
the same function. Mutants are ranked by the size of the change, then by the suspicion of
their line (localise.py), by family (the order above: the likeliest slips first) and by
distance from the crashing line; pairs come only when single ones fail and budget remains.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
)

from agent.repair.base import (
    Decline,
    RepairInput,
    change_size,
    code,
    function_node,
    make_candidate,
    replace_many,
)
from agent.repair.expressions import (
    ExpressionSites,
    compatible_names,
    family_rank,
    sort_variables,
    statement_kind,
)
from agent.state import Candidate

STRATEGY = "mutation"
FAMILIES = ("comparison", "arithmetic", "off-by-one", "swap", "condition", "constant",
            "return", "variable", "delete", "copy")

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


@dataclass(frozen=True)
class Mutation:
    family: str
    description: str
    target: cst.CSTNode
    replacement: Any  # a node, or a FlattenSentinel / RemovalSentinel for statements
    line: int
    kind: str = "other"  # of the statement it sits in (expressions.KINDS)

    def key(self, crash_line: int) -> tuple[int, int]:
        return family_rank(self.family, self.kind), abs(self.line - crash_line)


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


class _Sites(cst.CSTVisitor):
    """Collects the mutations of one function body."""

    METADATA_DEPENDENCIES = ()

    def __init__(self, module: cst.Module, where: dict[cst.CSTNode, CodeRange],
                 contexts: dict[cst.CSTNode, Any], names: list[str],
                 parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
        self.module, self.where, self.contexts, self.names = module, where, contexts, names
        self.parents = parents
        self.found: list[Mutation] = []
        self.statements: list[cst.SimpleStatementLine] = []

    def add(self, family: str, description: str, target: cst.CSTNode, replacement: Any) -> None:
        pos = self.where.get(target)
        self.found.append(Mutation(family, description, target, replacement,
                                   pos.start.line if pos else 0,
                                   statement_kind(target, self.parents)))

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
                self.add("comparison", f"`{_op_text(target.operator)}` → `{_op_text(new_op)}` "
                         f"in `{self.text(node)}`", node, new)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        for other in _ARITHMETIC.get(type(node.operator), ()):
            new_op = other()
            self.add("arithmetic", f"`{_op_text(node.operator)}` → `{_op_text(new_op)}` in "
                     f"`{self.text(node)}`", node, node.with_changes(operator=new_op))
        if isinstance(node.operator, _NON_COMMUTATIVE):
            self.add("swap", f"swap the operands of `{self.text(node)}`", node,
                     node.with_changes(left=node.right, right=node.left))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        other = _AUGMENTED.get(type(node.operator))
        if other is not None:
            self.add("arithmetic", f"`{_op_text(node.operator)}` → `{_op_text(other())}` in "
                     f"`{self.text(node)}`", node, node.with_changes(operator=other()))

    # -- off by one
    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        inner = node.slice
        if isinstance(inner, cst.Index) and not isinstance(inner.value, cst.SimpleString):
            for delta in (1, -1):
                new = inner.with_changes(value=_plus(self.module, inner.value, delta))
                self.add("off-by-one", f"index `{self.text(inner)}` → `{self.text(new)}`",
                         inner, new)
        elif isinstance(inner, cst.Slice):
            for field in ("lower", "upper"):
                bound = getattr(inner, field)
                if bound is None:
                    continue
                for delta in (1, -1):
                    moved = inner.with_changes(**{field: _plus(self.module, bound, delta)})
                    self.add("off-by-one", f"slice `{self.text(inner)}` → `{self.text(moved)}`",
                             inner, moved)
                self.add("off-by-one", f"slice `{self.text(inner)}` without its {field} bound",
                         inner, inner.with_changes(**{field: None}))

    def visit_Call(self, node: cst.Call) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if isinstance(node.func, cst.Name) and node.func.value == "range":
            for arg in positional[:2]:
                for delta in (1, -1):
                    new_arg = arg.with_changes(value=_plus(self.module, arg.value, delta))
                    new = node.with_changes(args=[new_arg if a is arg else a for a in node.args])
                    self.add("off-by-one", f"`{self.text(node)}` → `{self.text(new)}`",
                             node, new)
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
        for new in sorted({0, 1, -1, value + 1, value - 1} - {value}):
            replacement = cst.parse_expression(str(new))
            self.add("constant", f"`{value}` → `{new}`", node, replacement)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in ("True", "False"):
            other = "False" if node.value == "True" else "True"
            self.add("constant", f"`{node.value}` → `{other}`", node, cst.Name(other))
        elif node.value == "None":
            for new in ("0", '""', "[]"):
                self.add("constant", f"`None` → `{new}`", node, cst.parse_expression(new))
        elif self.contexts.get(node) == ExpressionContext.LOAD and node.value in self.names:
            for other in self.names:
                if other != node.value:
                    self.add("variable", f"`{node.value}` → `{other}` on line "
                             f"{self.where[node].start.line}", node, cst.Name(other))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if len(node.value) > 2 and node.value[-2] not in "'\"":
            self.add("constant", f"`{node.value}` → `\"\"`", node, cst.SimpleString('""'))

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


def _names_in_scope(function: cst.FunctionDef, where: dict[cst.CSTNode, CodeRange]) -> list[str]:
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


def _copies(visitor: _Sites, function: cst.FunctionDef) -> Iterator[Mutation]:
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


def _overlap(a: Mutation, b: Mutation, where: dict[cst.CSTNode, CodeRange]) -> bool:
    ra, rb = where.get(a.target), where.get(b.target)
    if ra is None or rb is None:
        return True
    return not ((ra.end.line, ra.end.column) <= (rb.start.line, rb.start.column)
                or (rb.end.line, rb.end.column) <= (ra.start.line, ra.start.column))


def _candidate(inp: RepairInput, module: cst.Module, chosen: tuple[Mutation, ...]
               ) -> Candidate | None:
    try:
        new_source = replace_many(module, [(m.target, m.replacement) for m in chosen])
    except Exception:  # a replacement libcst cannot place (a removal in a one-line block)
        return None
    families = "+".join(m.family for m in chosen)
    description = "; ".join(m.description for m in chosen)
    result = make_candidate(inp, f"{STRATEGY}:{families}", f"Mutation: {description}",
                            new_source)
    return result if isinstance(result, Candidate) else None


@dataclass
class MutationSearch:
    """Single mutants first, then pairs seeded by the singles the tests liked best."""

    inp: RepairInput
    budget: int
    suspicion: Mapping[int, float] = field(default_factory=dict)  # line → localisation score
    # the search's wall budget: building a mutant of a large module costs tens of ms
    out_of_time: Callable[[], bool] = lambda: False

    def __post_init__(self) -> None:
        wrapper = MetadataWrapper(cst.parse_module(self.inp.source), unsafe_skip_copy=True)
        self.module = wrapper.module
        self.where = dict(wrapper.resolve(cst.metadata.PositionProvider))
        self.contexts = dict(wrapper.resolve(ExpressionContextProvider))
        self.parents = dict(wrapper.resolve(ParentNodeProvider))
        found = self._mutations()
        self.singles: list[Mutation] = found if isinstance(found, list) else []
        self.decline = found if isinstance(found, Decline) else None
        self.by_candidate: dict[str, tuple[Mutation, ...]] = {}

    def _mutations(self) -> list[Mutation] | Decline:
        function = function_node(self.where, self.inp)
        if function is None:
            return Decline(STRATEGY, f"no function definition around line {self.inp.line}")
        names = _names_in_scope(function, self.where)
        visitor = _Sites(self.module, self.where, self.contexts, names, self.parents)
        function.body.visit(visitor)
        extra = ExpressionSites(self.module, visitor.add, names,
                                [self.inp.source, *self.inp.repo_sources.values()])
        function.body.visit(extra)
        found = sort_variables(visitor.found + list(_copies(visitor, function)), self.parents,
                               compatible_names(function, self.parents))
        # The most suspicious lines first (bucketed: near-ties keep the family order).
        return sorted(found, key=lambda m: (-round(self.suspicion.get(m.line, 0.0), 1),
                                            *m.key(self.inp.line)))

    def _build(self, combos: Iterator[tuple[Mutation, ...]], limit: int) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for combo in combos:
            if len(out) >= limit or self.out_of_time():
                break
            candidate = self._candidate(combo)
            if candidate is not None and candidate.new_source not in seen:
                seen.add(candidate.new_source)
                self.by_candidate[candidate.id] = combo
                out.append(candidate)
        return sorted(out, key=lambda c: change_size(c.diff))

    def _candidate(self, combo: tuple[Mutation, ...]) -> Candidate | None:
        return _candidate(self.inp, self.module, combo)

    def singles_candidates(self) -> list[Candidate] | Decline:
        if self.decline is not None:
            return self.decline
        if not self.singles:
            return Decline(STRATEGY, f"nothing to mutate in {self.inp.function}")
        built = self._build(((m,) for m in self.singles), self.budget)
        return built or Decline(STRATEGY, f"no mutation of {self.inp.function} is valid code")

    def pair_candidates(self, seeds: list[str], limit: int) -> list[Candidate]:
        """Pairs of mutations: each seed (a single that moved the tests) with every other
        single, then pairs of the best-ranked singles, within `limit`."""
        seed_mutations = [self.by_candidate[s][0] for s in seeds if s in self.by_candidate]
        tops = self.singles[: max(8, int((2 * limit) ** 0.5) + 1)]

        def combos() -> Iterator[tuple[Mutation, ...]]:
            for seed in seed_mutations:
                for other in self.singles:
                    if other is not seed and not _overlap(seed, other, self.where):
                        yield (seed, other)
            for a, b in itertools.combinations(tops, 2):
                if not _overlap(a, b, self.where):
                    yield (a, b)

        return self._build(combos(), limit)
