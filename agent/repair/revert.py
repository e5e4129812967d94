"""Revert the culprit: first only its hunks inside the faulty function (and the functions on
the stack above it), one at a time and then together; statements the culprit deleted (a
branch lost in a refactor) put back into the faulty function; the whole commit only as a
last resort, and labelled so in the PR.

The base may have moved on since the culprit: each hunk is located in the base through the
lines the culprit wrote, and a hunk whose lines changed again since is left alone.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    changed_lines,
    collect,
    function_node,
    replace,
    unified_diff,
)
from agent.state import Candidate

PARTIAL = "revert:partial"
FULL = "revert:full"
MAX_RESTORED = 6  # deleted statements tried, each at every position in the function


@dataclass(frozen=True)
class Hunk:
    """One change of the culprit, placed in the base: base lines [start, end) are the lines
    the culprit wrote; putting `restore` there reverts it."""

    start: int  # 0-based
    end: int
    restore: tuple[str, ...]

    def overlaps(self, first_line: int, last_line: int) -> bool:
        """Within the 1-based inclusive range of a function (an insertion point counts)."""
        if self.start == self.end:
            return first_line <= self.start <= last_line - 1
        return self.start < last_line and self.end > first_line - 1


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines(keepends=True)


def _base_position(equal_blocks: list[tuple[int, int, int]], culprit_line: int) -> int | None:
    """Where culprit line index `culprit_line` sits in the base, when it survived unchanged
    (the end position counts for the line just past a block)."""
    for a, b, size in equal_blocks:
        if a <= culprit_line < a + size:
            return b + culprit_line - a
    for a, b, size in equal_blocks:
        if culprit_line == a + size:
            return b + size
    return None


def culprit_hunks(parent: str | None, culprit: str | None, base: str | None) -> list[Hunk] | None:
    """The culprit's hunks located in `base`; None when one of them cannot be placed."""
    before, after, now = _lines(parent), _lines(culprit), _lines(base)
    changes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    blocks = [(m.a, m.b, m.size) for m in difflib.SequenceMatcher(
        None, after, now, autojunk=False).get_matching_blocks() if m.size]
    hunks: list[Hunk] = []
    for tag, i1, i2, j1, j2 in changes:
        if tag == "equal":
            continue
        if j1 == j2:  # the culprit deleted lines: put them back where they were
            at = _base_position(blocks, j1) if j1 < len(after) else len(now)
            if at is None and j1 > 0:
                previous = _base_position(blocks, j1 - 1)
                at = previous + 1 if previous is not None else None
            if at is None:
                return None
            hunks.append(Hunk(at, at, tuple(before[i1:i2])))
            continue
        start, last = _base_position(blocks, j1), _base_position(blocks, j2 - 1)
        if start is None or last is None or last - start != j2 - j1 - 1 \
                or now[start:last + 1] != after[j1:j2]:
            return None
        hunks.append(Hunk(start, last + 1, tuple(before[i1:i2])))
    return hunks


def apply_hunks(base: str, hunks: list[Hunk]) -> str:
    lines = _lines(base)
    for hunk in sorted(hunks, key=lambda h: (h.start, h.end), reverse=True):
        lines[hunk.start:hunk.end] = hunk.restore
    return "".join(lines)


def _short(sha: str) -> str:
    return sha[:10]


def propose_partial(inp: RepairInput) -> Proposal:
    culprit = inp.culprit
    if culprit is None:
        return Decline(PARTIAL, "RCA named no culprit commit")
    if inp.path not in culprit.files:
        return Decline(PARTIAL, f"{_short(culprit.sha)} did not change {inp.path}")
    parent, after, base = culprit.files[inp.path]
    hunks = culprit_hunks(parent, after, base if base is not None else inp.source)
    if hunks is None:
        hunks = []
        # The file moved on: place what still can be placed, hunk by hunk.
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
                None, _lines(parent), _lines(after), autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            placed = culprit_hunks("".join(_lines(parent)[i1:i2]),
                                   "".join(_lines(after)[j1:j2]), inp.source)
            if placed and len(placed) == 1:
                hunks.extend(placed)
    inside = [h for h in hunks if any(h.overlaps(a, b) for a, b in inp.scope)]
    if not inside:
        return Decline(PARTIAL, f"none of {_short(culprit.sha)}'s hunks touch {inp.function}")
    rewrites = []
    for number, hunk in enumerate(inside, 1):
        rewrites.append((f"Revert hunk {number} of {len(inside)} of {_short(culprit.sha)} "
                         f"\"{culprit.summary}\" inside {inp.function}",
                         apply_hunks(inp.source, [hunk])))
    if len(inside) > 1:
        rewrites.append((f"Revert the {len(inside)} hunks of {_short(culprit.sha)} "
                         f"\"{culprit.summary}\" inside {inp.function}",
                         apply_hunks(inp.source, inside)))
    return collect(inp, PARTIAL, rewrites, allow_imports=True)


def propose_full(inp: RepairInput) -> Proposal:
    """The whole culprit commit reverted, every file it touched; added files stay."""
    culprit = inp.culprit
    if culprit is None:
        return Decline(FULL, "RCA named no culprit commit")
    new_files: dict[str, str] = {}
    diffs: list[str] = []
    for path, (parent, after, base) in sorted(culprit.files.items()):
        if not path.endswith(".py") and parent is None:
            continue
        if base is None or parent is None:
            continue  # deleted since, or added by the culprit: leave it
        hunks = culprit_hunks(parent, after, base)
        if hunks is None:
            return Decline(FULL, f"{_short(culprit.sha)} does not revert cleanly: {path} "
                                 "changed again since")
        reverted = apply_hunks(base, hunks)
        if reverted != base:
            new_files[path] = reverted
            diffs.append(unified_diff(path, base, reverted))
    if not new_files:
        return Decline(FULL, f"reverting {_short(culprit.sha)} changes nothing at the base")
    main = inp.path if inp.path in new_files else sorted(new_files)[0]
    diff = "".join(diffs)
    digest = hashlib.sha1("".join(f"{p}\0{s}" for p, s in sorted(new_files.items()))
                          .encode()).hexdigest()[:8]
    return [Candidate(
        id=f"{FULL}#{digest}", strategy=FULL,
        description=(f"LAST RESORT: revert the whole culprit commit {_short(culprit.sha)} "
                     f"\"{culprit.summary}\" ({len(new_files)} file(s)); no narrower change "
                     "passed"),
        path=main, new_source=new_files[main], diff=diff, lines_changed=changed_lines(diff),
        extra_files={p: s for p, s in new_files.items() if p != main}, full_revert=True)]


RESTORE = "revert:restore"


class _Rename(cst.CSTTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=self.names.get(updated_node.value,
                                                              updated_node.value))


def _functions(module: cst.Module) -> list[cst.FunctionDef]:
    found: list[cst.FunctionDef] = []

    class Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append(node)

    module.visit(Finder())
    return found


def _params(function: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in function.params.params]


def propose_restore(inp: RepairInput) -> Proposal:
    """Statements the culprit deleted (a branch lost in a refactor), put back into the faulty
    function at each statement boundary, with the old function's parameters renamed to the
    faulty function's (by position)."""
    culprit = inp.culprit
    if culprit is None or inp.path not in culprit.files:
        return Decline(RESTORE, "no culprit commit changed this file")
    parent, after, _ = culprit.files[inp.path]
    try:
        old, new, module = (cst.parse_module(parent or ""), cst.parse_module(after or ""),
                            cst.parse_module(inp.source))
    except cst.ParserSyntaxError:
        return Decline(RESTORE, "a version of the file does not parse")
    kept = " ".join(new.code.split())
    where = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    target = function_node(where, inp)
    if target is None or not isinstance(target.body, cst.IndentedBlock):
        return Decline(RESTORE, f"no function body for {inp.function}")
    lost: list[tuple[str, cst.BaseStatement]] = []
    for function in _functions(old):
        if not isinstance(function.body, cst.IndentedBlock):
            continue
        before, now = _params(function), _params(target)
        same_shape = function.name.value == target.name.value or (
            len(before) == len(now) and set(before) & set(now))
        if not same_shape:
            continue  # its statements would not fit this function's names
        names = dict(zip(before, now, strict=False))
        for statement in function.body.body:
            renamed = statement.visit(_Rename(names))
            assert isinstance(renamed, cst.BaseStatement)
            text = " ".join(old.code_for_node(renamed).split())
            if text and text not in kept and not isinstance(statement, cst.FunctionDef):
                lost.append((function.name.value, renamed))
    if not lost:
        return Decline(RESTORE, f"{culprit.sha[:10]} deleted no statement from a function")
    rewrites = []
    body = list(target.body.body)
    for origin, statement in lost[:MAX_RESTORED]:
        for at in range(len(body) + 1):
            new_body = [*body[:at], statement, *body[at:]]
            new_target = target.with_changes(body=target.body.with_changes(body=new_body))
            first_line = module.code_for_node(statement).strip().splitlines()[0]
            rewrites.append((f"Put back `{first_line}` from {origin} as it was before "
                             f"{culprit.sha[:10]} \"{culprit.summary}\"",
                             replace(module, target, new_target)))
    return collect(inp, RESTORE, rewrites)
