"""What every repair strategy shares: its input, the Decline it returns instead of raising,
and turning a rewritten module into a scoped, diffed Candidate."""

from __future__ import annotations

import difflib
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from agent.state import Candidate


@dataclass(frozen=True)
class CulpritChange:
    """The suspect commit, file by file: the parent's text, the commit's text and the base's
    (None where the file does not exist on that side)."""

    sha: str
    summary: str
    files: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class RepairInput:
    path: str  # repository-relative
    source: str  # the file at the base commit
    function: str  # qualified name of the faulty function
    function_start: int  # 1-based, inclusive
    function_end: int
    line: int  # the crashing line (the call line, for a caller)
    exception_type: str
    exception_message: str
    # The functions on the stack above, each as its own input (line = the call it made).
    callers: tuple[RepairInput, ...] = ()
    culprit: CulpritChange | None = None
    repo_sources: dict[str, str] = field(default_factory=dict)  # other .py files, for names
    # Line ranges of `path` a candidate may change besides the function (a caller in the
    # same file, say).
    also_allowed: tuple[tuple[int, int], ...] = ()

    @property
    def scope(self) -> tuple[tuple[int, int], ...]:
        return ((self.function_start, self.function_end), *self.also_allowed)

    def with_scope_of(self, other: RepairInput) -> RepairInput:
        """This input, also allowed to change `other`'s function when it is in the same file."""
        if other.path != self.path:
            return self
        return RepairInput(**{**self.__dict__, "also_allowed": (
            *self.also_allowed, (other.function_start, other.function_end))})


@dataclass(frozen=True)
class Decline:
    strategy: str
    reason: str

    def __str__(self) -> str:
        return f"{self.strategy}: {self.reason}"


Proposal = list[Candidate] | Decline


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}"))


def changed_lines(diff: str) -> int:
    return sum(1 for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---")))


def change_size(diff: str) -> int:
    """Lines touched, counting a rewritten line once: the size the search ranks by."""
    added = sum(1 for line in diff.splitlines() if line[:1] == "+" and not line.startswith("+++"))
    removed = sum(1 for line in diff.splitlines()
                  if line[:1] == "-" and not line.startswith("---"))
    return max(added, removed)


_IMPORT = re.compile(r"^(import\s+\w|from\s+[\w.]+\s+import\s)")


def _inside(i1: int, i2: int, scope: Iterable[tuple[int, int]]) -> bool:
    """Lines [i1, i2) (0-based) of the original lie in one function: a replacement may touch
    the `def` line; an insertion must land after it and before the function's last line."""
    for start, end in scope:
        if i1 == i2 and start <= i1 <= end - 1:
            return True
        if i1 < i2 and start - 1 <= i1 and i2 <= end:
            return True
    return False


def out_of_scope(inp: RepairInput, after: str, *, allow_imports: bool = False) -> str | None:
    """Why `after` changes something outside the allowed functions, or None when it does not.
    With `allow_imports`, adding or extending top-level import lines is allowed too."""
    before_lines = inp.source.splitlines(keepends=True)
    after_lines = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, before_lines, after_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or _inside(i1, i2, inp.scope):
            continue
        touched = before_lines[i1:i2] + after_lines[j1:j2]
        if allow_imports and all(_IMPORT.match(line) or not line.strip() for line in touched):
            continue
        return f"line {i1 + 1} is outside {inp.function}"
    return None


def make_candidate(inp: RepairInput, strategy: str, description: str,
                   new_source: str, *, allow_imports: bool = False) -> Candidate | Decline:
    if new_source == inp.source:
        return Decline(strategy, "the rewrite changed nothing")
    outside = out_of_scope(inp, new_source, allow_imports=allow_imports)
    if outside is not None:
        return Decline(strategy, f"the rewrite reached outside the scope: {outside}")
    try:
        cst.parse_module(new_source)
        with warnings.catch_warnings():  # `x is 0` from a mutant: a warning, not our output
            warnings.simplefilter("ignore")
            compile(new_source, inp.path, "exec")
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return Decline(strategy, "the rewrite is not valid Python")
    diff = unified_diff(inp.path, inp.source, new_source)
    digest = hashlib.sha1(f"{inp.path}\0{new_source}".encode()).hexdigest()[:8]
    return Candidate(id=f"{strategy}#{digest}", strategy=strategy, description=description,
                     path=inp.path, new_source=new_source, diff=diff,
                     lines_changed=changed_lines(diff))


def collect(inp: RepairInput, strategy: str,
            rewrites: Iterable[tuple[str, str]], *, allow_imports: bool = False,
            none_reason: str = "no rewrite applied") -> Proposal:
    """Candidates from (description, new source) pairs, or the first reason none was kept."""
    found: list[Candidate] = []
    reasons: list[str] = []
    seen: set[str] = set()
    for description, new_source in rewrites:
        if new_source in seen:
            continue
        seen.add(new_source)
        result = make_candidate(inp, strategy, description, new_source,
                                allow_imports=allow_imports)
        if isinstance(result, Candidate):
            found.append(result)
        else:
            reasons.append(result.reason)
    return found or Decline(strategy, reasons[0] if reasons else none_reason)


def positions(source: str) -> tuple[cst.Module, dict[cst.CSTNode, CodeRange]]:
    """The module parsed once, with each node's position (keyed by the node in this tree)."""
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    return wrapper.module, dict(wrapper.resolve(PositionProvider))


def spans_line(pos: CodeRange, line: int) -> bool:
    return pos.start.line <= line <= pos.end.line


def on_line(where: Mapping[cst.CSTNode, CodeRange], line: int,
            kind: type[Any] | tuple[type[Any], ...],
            test: Callable[[Any], bool] = lambda _: True) -> list[Any]:
    """Nodes of `kind` whose span covers `line`, innermost (latest starting) last."""
    found = [(pos.start.line, pos.start.column, node) for node, pos in where.items()
             if isinstance(node, kind) and spans_line(pos, line) and test(node)]
    return [node for _, _, node in sorted(found, key=lambda item: (item[0], item[1]))]


_COMPOUND = (cst.If, cst.For, cst.While, cst.With, cst.Try)


def innermost_statement(where: Mapping[cst.CSTNode, CodeRange], line: int,
                        after_line: int) -> cst.BaseStatement | None:
    """The statement on `line` inside the function whose `def` is at `after_line`: the simple
    statement covering it, or else the `if`/`for`/`while`/`with`/`try` whose header it is."""
    statements = on_line(where, line, cst.SimpleStatementLine,
                         lambda n: where[n].start.line > after_line)
    if statements:
        return statements[-1]
    headers = on_line(where, line, _COMPOUND, lambda n: where[n].start.line == line
                      and where[n].start.line > after_line)
    return headers[-1] if headers else None


def function_node(where: Mapping[cst.CSTNode, CodeRange],
                  inp: RepairInput) -> cst.FunctionDef | None:
    for node, pos in where.items():
        if isinstance(node, cst.FunctionDef) and pos.start.line <= inp.function_start \
                and pos.end.line >= inp.function_end and pos.end.line <= inp.function_end + 1:
            return node
    best = [n for n, p in where.items() if isinstance(n, cst.FunctionDef)
            and p.start.line <= inp.line <= p.end.line]
    return best[-1] if best else None


def replace(module: cst.Module, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel
            | cst.FlattenSentinel[Any]) -> str:
    """The module's code with `old` (a node of this very tree) replaced."""
    return cast(cst.Module, module.deep_replace(old, cast(Any, new))).code


def code(module: cst.Module, node: cst.CSTNode) -> str:
    return module.code_for_node(node)


def is_pure_reference(node: cst.BaseExpression) -> bool:
    """A name or attribute chain (`a`, `a.b.c`): safe to evaluate twice in a guard."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


class _ReplaceMany(cst.CSTTransformer):
    def __init__(self, mapping: dict[int, cst.CSTNode]) -> None:
        self.mapping = mapping

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        return self.mapping.get(id(original_node), updated_node)


def replace_many(module: cst.Module, mapping: Sequence[tuple[cst.CSTNode, cst.CSTNode]]) -> str:
    """The module's code with several nodes of this tree replaced at once."""
    return module.visit(_ReplaceMany({id(old): new for old, new in mapping})).code
