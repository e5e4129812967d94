"""What the culprit commit changed, read as edits a repair can repeat.

A commit that renames a key, an attribute, a setting or a function, or changes how callers
use a function, usually does it in many places; the fault is often the one place it missed.
This module reads the culprit's diff, line pair by line pair, token by token:

- a *rename* is one identifier or string literal replaced by another (`"user"` → `"user_id"`,
  `.qty` → `.quantity`, `SMTP_HOST` → `MAIL_HOST`), counted over every place it was made;
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

from agent.repair.base import CulpritChange

_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT,
         tokenize.ENDMARKER)


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    kind: str  # "string" (a key, setting or environment variable) or "name"


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
    renames: Counter[Rename] = field(default_factory=Counter)
    edits: Counter[Edit] = field(default_factory=Counter)
    moves: list[Move] = field(default_factory=list)

    def renamed_from(self, old: str) -> list[Rename]:
        """Renames of `old`, the most often made first."""
        found = [r for r in self.renames if r.old == old]
        return sorted(found, key=lambda r: (-self.renames[r], r.new))


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


def _string_value(token: tokenize.TokenInfo) -> str | None:
    if token.type != tokenize.STRING:
        return None
    try:
        value = ast.literal_eval(token.string)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.strip(), b.strip()).ratio()


def _pairs(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """Old and new line of each line the commit rewrote (not those it only added or deleted)."""
    pairs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        olds, news = before[i1:i2], after[j1:j2]
        if len(olds) == len(news):
            pairs += zip(olds, news, strict=True)
            continue
        for old in olds:  # unequal blocks: pair each old line with its most similar new one
            ratio, best = max((_similarity(old, new), new) for new in news)
            if ratio >= 0.6:
                pairs.append((old, best))
    return pairs


def _read_pair(old_line: str, new_line: str, out: CulpritEdits) -> None:
    old, new = tokens(old_line), tokens(new_line)
    if not old or not new:
        return
    olds, news = [t.string for t in old], [t.string for t in new]
    matcher = difflib.SequenceMatcher(None, olds, news, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in changes:
        if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
            a, b = old[i1], new[j1]
            if a.type == b.type == tokenize.NAME and a.string != b.string:
                out.renames[Rename(a.string, b.string, "name")] += 1
                continue
            va, vb = _string_value(a), _string_value(b)
            if va is not None and vb is not None and va != vb:
                out.renames[Rename(va, vb, "string")] += 1
                continue
        if len(changes) > 1:
            continue  # one part of a larger change to the line: repeating it alone is wrong
        text = new_line.strip()
        added = text[new[j1].start[1]:new[j2 - 1].end[1]] if j2 > j1 else ""
        core = tuple(olds[i1:i2])
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


def _module(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


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


def _moves(culprit: CulpritChange) -> list[Move]:
    gone: dict[str, list[str]] = {}
    came: dict[str, list[str]] = {}
    deleted = {p: parent for p, (parent, after, _) in culprit.files.items()
               if p.endswith(".py") and parent and after is None}
    added = {p: after for p, (parent, after, _) in culprit.files.items()
             if p.endswith(".py") and after and parent is None}
    moves: list[Move] = []
    for old_path, old_text in deleted.items():  # a renamed module
        for new_path, new_text in added.items():
            if difflib.SequenceMatcher(None, old_text, new_text).quick_ratio() >= 0.6:
                moves.append(Move("", _module(old_path), _module(new_path)))
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
            moves += [Move(name, _module(old_path), _module(new_path))
                      for new_path in came.get(name, []) if new_path != old_path]
    return moves


def read(culprit: CulpritChange | None) -> CulpritEdits:
    """Every rename, edit and move in the culprit, over all the files it changed."""
    out = CulpritEdits()
    if culprit is None:
        return out
    for path, (parent, after, _) in sorted(culprit.files.items()):
        if not path.endswith(".py") or parent is None or after is None:
            continue
        for old_line, new_line in _pairs(parent.splitlines(), after.splitlines()):
            _read_pair(old_line, new_line, out)
    out.moves = _moves(culprit)
    return out
