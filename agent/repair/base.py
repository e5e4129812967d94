"""What every repair strategy shares: its input, the Decline it returns instead of raising,
and turning a rewritten module into a scoped, diffed Candidate."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from agent.state import Candidate


@dataclass(frozen=True)
class RepairInput:
    path: str  # repository-relative
    source: str  # the file at the base commit
    function: str  # qualified name of the faulty function
    function_start: int  # 1-based, inclusive
    function_end: int
    line: int  # the crashing line
    exception_type: str
    exception_message: str


@dataclass(frozen=True)
class Decline:
    strategy: str
    reason: str

    def __str__(self) -> str:
        return f"{self.strategy}: {self.reason}"


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}"))


def changed_lines(diff: str) -> int:
    return sum(1 for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---")))


def within_function(inp: RepairInput, after: str) -> bool:
    """True when every line outside the faulty function is byte-identical."""
    before_lines = inp.source.splitlines(keepends=True)
    after_lines = after.splitlines(keepends=True)
    head = inp.function_start - 1
    tail = len(before_lines) - inp.function_end
    return (after_lines[:head] == before_lines[:head]
            and (tail == 0 or after_lines[-tail:] == before_lines[-tail:]))


def make_candidate(inp: RepairInput, strategy: str, description: str,
                   new_source: str) -> Candidate | Decline:
    if new_source == inp.source:
        return Decline(strategy, "the rewrite changed nothing")
    if not within_function(inp, new_source):
        return Decline(strategy, f"the rewrite reached outside {inp.function}")
    try:
        cst.parse_module(new_source)
    except cst.ParserSyntaxError:
        return Decline(strategy, "the rewrite is not valid Python")
    diff = unified_diff(inp.path, inp.source, new_source)
    digest = hashlib.sha1(new_source.encode()).hexdigest()[:8]
    return Candidate(id=f"{strategy}#{digest}", strategy=strategy, description=description,
                     path=inp.path, new_source=new_source, diff=diff,
                     lines_changed=changed_lines(diff))


def positions(source: str) -> tuple[cst.Module, dict[cst.CSTNode, CodeRange]]:
    """The module parsed once, with each node's position (keyed by the node in this tree)."""
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    return wrapper.module, dict(wrapper.resolve(PositionProvider))


def spans_line(pos: CodeRange, line: int) -> bool:
    return pos.start.line <= line <= pos.end.line


def is_pure_reference(node: cst.BaseExpression) -> bool:
    """A name or attribute chain (`a`, `a.b.c`): safe to evaluate twice in a guard."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)
