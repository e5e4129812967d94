"""What the culprit commit changed, read as edits a repair can repeat.

A commit that renames a key, an attribute, a setting or a function, or changes how callers
use a function, usually does it in many places; the fault is often the one place it missed.
This module reads the culprit's diff, line pair by line pair:

- its *renames* (`"user"` → `"user_id"`, `.qty` → `.quantity`, `SMTP_HOST` → `MAIL_HOST`),
  each place it made them, as `agent.rca.renames` reads them (the one reader of renames);
- an *edit* is any other token-level replacement (`["total"]` → `.total`), or arguments
  added at the end of a call (`fetch(x)` → `fetch(x, tenant=t)`), to repeat where missed;
- a *move* is a top-level definition that left one module and appeared in another, or a
  module whose file was renamed.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from collections import Counter
from dataclasses import dataclass, field

from agent.rca import renames as rename_reader
from agent.rca.diffs import CommitChange, FileChange
from agent.repair.base import CulpritChange
from agent.state import Rename

_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT,
         tokenize.ENDMARKER)
MOVED_FILE_SIMILARITY = 0.6  # a deleted and an added module this alike: one file, renamed


@dataclass(frozen=True)
class Edit:
    """Tokens `old` became the text `new`; `callee` is set for arguments added at the end of a
    call (`old` is then empty): the edit applies to calls of that name."""

    old: tuple[str, ...]
    new: str
    callee: str = ""

    @property
    def selects_element(self) -> bool:
        """The edit adds a subscript by a constant position (`["secret"]` became
        `["secrets"][0]`): what was one value became a collection, and the culprit chose which
        of its elements the place it edited needs. Another place may need another, or all."""
        return _constant_subscripts([t.string for t in tokens(self.new)]) > \
            _constant_subscripts(list(self.old))


@dataclass(frozen=True)
class Move:
    name: str  # the definition moved; "" for a whole module
    old_module: str  # dotted
    new_module: str


@dataclass
class CulpritEdits:
    renames: list[Rename] = field(default_factory=list)  # one for each place it was made
    edits: Counter[Edit] = field(default_factory=Counter)
    moves: list[Move] = field(default_factory=list)

    def renamed_from(self, old: str, quoted: bool) -> list[tuple[str, int]]:
        """What `old` (a string literal's text when `quoted`, else an identifier) became, with
        the number of places, the most often made first."""
        counts = Counter(r.new for r in self.renames if r.old == old and r.quoted == quoted)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def keys_renamed_in(self, path: str) -> dict[str, str]:
        """New name → old name of each key or setting (a string literal) renamed in `path`."""
        counts = Counter((r.new, r.old) for r in self.renames if r.quoted and r.path == path)
        return {new: old for (new, old), _ in sorted(counts.items(), key=lambda i: i[1])}


def tokens(line: str) -> list[tokenize.TokenInfo]:
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)
                if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def _constant_subscripts(strings: list[str]) -> int:
    """How many `[0]`, `[-1]`, `[:2]` (a subscript by a literal position) the tokens hold;
    the closing bracket may lie past the end of an edit's text."""
    found = 0
    for at, token in enumerate(strings):
        if token != "[":
            continue
        rest = strings[at + 1:at + 4]
        rest = rest[1:] if rest[:1] in (["-"], [":"]) else rest
        if rest[:1] and rest[0].isdigit() and rest[1:2] in ([], ["]"], [":"]):
            found += 1
    return found


def _read_edit(old_line: str, new_line: str, out: CulpritEdits) -> None:
    old, new = tokens(old_line), tokens(new_line)
    if not old or not new:
        return
    olds, news = [t.string for t in old], [t.string for t in new]
    matcher = difflib.SequenceMatcher(None, olds, news, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if len(changes) != 1:
        return  # one part of a larger change to the line: repeating it alone is wrong
    tag, i1, i2, j1, j2 = changes[0]
    text = new_line.strip()
    added = text[new[j1].start[1]:new[j2 - 1].end[1]] if j2 > j1 else ""
    core = tuple(olds[i1:i2])
    # One token for one is a rename (agent.rca.renames reads those), not an edit.
    if core and any(t.type in (tokenize.NAME, tokenize.STRING) for t in old[i1:i2]) \
            and (len(core) > 1 or j2 - j1 > 1):
        out.edits[Edit(core, added)] += 1
    elif tag == "insert" and olds[i1:i1 + 1] == [")"] and added.startswith(","):
        callee = callee_at(olds, i1)
        if callee:
            out.edits[Edit((), added, callee)] += 1


def callee_at(olds: list[str], close: int) -> str:
    """The name called by the call whose closing parenthesis is token `close`."""
    depth = 0
    for at in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(olds[at], 0)
        if depth == 0 and olds[at] == "(":
            return olds[at - 1] if at > 0 and olds[at - 1].isidentifier() else ""
    return ""


def _top_level(source: str | None) -> set[str]:
    if not source:
        return set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _as_diff(culprit: CulpritChange) -> CommitChange:
    """The culprit's Python files as a diff (the shape RCA reads): each file's rewritten
    blocks, and a deleted module and an added one with mostly the same text as one file
    that moved."""
    files: dict[str, FileChange] = {}
    gone = {p: parent for p, (parent, after, _) in culprit.files.items()
            if p.endswith(".py") and parent and after is None}
    for path, (parent, after, _) in sorted(culprit.files.items()):
        if not path.endswith(".py") or after is None:
            continue
        old_path = path
        if parent is None:
            old_path = next((p for p, text in gone.items() if difflib.SequenceMatcher(
                None, text, after).quick_ratio() >= MOVED_FILE_SIMILARITY), "")
            parent = gone.get(old_path)
        before, now = (parent or "").splitlines(), after.splitlines()
        matcher = difflib.SequenceMatcher(None, before, now, autojunk=False)
        files[path] = FileChange(path=path, old_path=old_path, hunks=[
            (before[i1:i2], now[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag == "replace"])
    return CommitChange(sha=culprit.sha, parents=[], summary=culprit.summary, files=files)


def _moves(culprit: CulpritChange, change: CommitChange) -> list[Move]:
    """Modules whose file moved, then definitions that left one module for another."""
    moves = [Move("", m.old, m.new) for m in rename_reader.moved_modules(change)]
    gone: dict[str, list[str]] = {}
    came: dict[str, list[str]] = {}
    for path, (parent, after, _) in culprit.files.items():
        if not path.endswith(".py"):
            continue
        before, now = _top_level(parent), _top_level(after)
        for name in before - now:
            gone.setdefault(name, []).append(path)
        for name in now - before:
            came.setdefault(name, []).append(path)
    for name, sources in gone.items():
        for old_path in sources:
            moves += [Move(name, rename_reader.module_name(old_path),
                           rename_reader.module_name(new_path))
                      for new_path in came.get(name, []) if new_path != old_path]
    return moves


def read(culprit: CulpritChange | None) -> CulpritEdits:
    """Every rename, edit and move in the culprit, over all the Python files it changed."""
    out = CulpritEdits()
    if culprit is None:
        return out
    change = _as_diff(culprit)
    out.renames = rename_reader.renames_in(change)
    for file_change in change.files.values():
        for removed, added in file_change.hunks:
            for old_line, new_line in rename_reader.line_pairs(removed, added):
                _read_edit(old_line, new_line, out)
    out.moves = _moves(culprit, change)
    return out
