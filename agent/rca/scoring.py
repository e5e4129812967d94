"""Evidence against each suspect commit, and its score.

Each kind of evidence has a weight; a commit's score is the sum over its evidence plus small
tie-breakers for size and recency. The root commit "changed" everything, so on its own it
explains nothing: it only ever gets the weak "introduced this code" evidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import git

from agent.rca.callees import changed_returns, result_callees
from agent.rca.diffs import CommitChange, commit_change
from agent.rca.exercised import Exercised, changed_exercised
from agent.rca.renames import find_renames
from agent.state import Rename
from tools import vcs
from tools.code_index import CommitIndex
from tools.ports import Frame

CRASH_LINE = 3.0  # last changed the crashing line (blame at the base commit)
CRASH_FUNCTION = 2.0  # changed the function that raised
STACK_FUNCTION = 1.0  # changed another function on the stack (divided by its depth)
STACK_LINE = 2.0  # last changed the calling line of a frame above (divided by its depth)
NAMED_VALUE = 2.0  # changed code naming the key / attribute / setting in the message
RENAMES = 3.0  # renamed the key / attribute / setting / name in the message (old → new)
CHANGED_CALLEE = 2.0  # changed what a function returns whose result the crashing line reads
NAMED_WORD = 1.0  # mentions it only as a bare word in added lines
TOUCHED = 0.6  # changed the raising function, but nothing the crashing line depends on
STACK_DATA = 1.5  # changed module-level data a function on the stack reads
ROOT = 0.5  # the first commit: introduced the code, explains nothing by itself
TESTED_FUNCTION = 2.0  # changed a function a failing CI test runs (divided by its depth)
STRONG = {"crash-line", "crash-function", "named-value", "stack-data", "stack-line",
          "renames-name-in-error", "changed-callee", "tested-function"}

# Words a message names that say nothing about which code produced it.
_GENERIC = {
    "int", "str", "float", "bool", "bytes", "list", "dict", "tuple", "set", "object",
    "nonetype", "none", "type", "function", "module", "datetime", "date", "decimal",
    "offset", "naive", "aware", "datetimes", "not", "the", "and", "for", "with",
}
_QUOTED = re.compile(r"""['"]([A-Za-z_][\w.\-]*)['"]""")
_SETTING = re.compile(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b")
_NAME_ERROR = re.compile(r"name '(\w+)' is not defined")


def named_values(exception_type: str, message: str) -> list[str]:
    """Keys, attributes, names and setting names an exception message points at:
    `KeyError: 'tier'` → tier; `'Item' object has no attribute 'qty'` → qty, Item."""
    found = []
    if match := _NAME_ERROR.search(message):
        found.append(match.group(1))
    if exception_type == "AttributeError" and "has no attribute" in message:
        quoted = _QUOTED.findall(message)
        found += quoted[-1:]  # the attribute; the object's type is rarely the culprit's word
    else:
        found += _QUOTED.findall(message)
    found += _SETTING.findall(message)
    return [v for v in dict.fromkeys(found) if v.lower() not in _GENERIC and len(v) > 1]


@dataclass
class Scored:
    sha: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    in_window: bool = True
    renames: list[Rename] = field(default_factory=list)

    def add(self, kind: str, weight: float, line: str) -> None:
        self.score += weight
        self.kinds.add(kind)
        self.evidence.append(line)

    @property
    def strong(self) -> bool:
        return bool(self.kinds & STRONG)


@dataclass
class StackEntry:
    """An in-app frame resolved against the base commit: its file, line and function."""

    frame: Frame
    path: str
    line: int
    function: str  # qualified name at the base commit ("" at module level)
    depth: int  # 0 = the crashing frame


def _mentions(lines: list[str], value: str) -> tuple[bool, bool]:
    """(quoted, bare word) occurrences of `value` in `lines`."""
    quoted = re.compile(rf"""['"]{re.escape(value)}['"]""")
    word = re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])")
    text = "\n".join(lines)
    return bool(quoted.search(text)), bool(word.search(text))


def _touched_lines(index: CommitIndex, change: CommitChange, entry: StackEntry) -> list[int]:
    """Lines of `entry`'s function (as of the commit) that the commit added or changed."""
    file_change = change.files.get(entry.path)
    if file_change is None or not file_change.path or not entry.function:
        return []
    symbol = index.find_function(change.sha, entry.path, entry.function)
    if symbol is None:
        return []
    return sorted(n for n in file_change.new_lines if symbol.start_line <= n <= symbol.end_line)


_IDENT = re.compile(r"[A-Za-z_]\w*")
_ASSIGN = re.compile(r"^\s*(?P<lhs>[\w\s.,\[\]'\"*]+?)\s*(?:[-+*/%|&^@]|//|\*\*|<<|>>)?=(?!=)")
_BINDS = re.compile(r"^\s*(?:for\s+(?P<for>.+?)\s+in\b|.*\bas\s+(?P<as>\w+)\s*:)")
_CONTROL = re.compile(r"^\s*(?:if|elif|else|try|except|finally|return|break|continue|raise|"
                      r"while|for|with)\b")


def _feeds_crash(index: CommitIndex, change: CommitChange, entry: StackEntry,
                 lines: list[int]) -> bool:
    """Whether changed `lines` of the crashing function can change what the crashing line
    sees: they come before it and bind a name it reads, or change the control flow leading
    to it. A log call or a new parameter nobody passes does neither."""
    source = (index.source(change.sha, entry.path) or "").splitlines()
    symbol = index.find_function(change.sha, entry.path, entry.function)
    crash_text = entry.frame.context_line or ""
    if not crash_text:
        base_lines = (index.source(change.sha, entry.path) or "").splitlines()
        crash_text = base_lines[entry.line - 1] if 0 < entry.line <= len(base_lines) else ""
    reads = set(_IDENT.findall(crash_text))
    crash_at = next((n for n in range(len(source), 0, -1)
                     if source[n - 1].strip() == crash_text.strip()), entry.line)
    for number in lines:
        if (symbol is not None and number == symbol.start_line) or number >= crash_at:
            continue  # the signature, or code after the crash
        text = source[number - 1] if 0 < number <= len(source) else ""
        after = source[number] if number < len(source) else ""
        if _EXIT.match(text) or (_GUARD.match(text) and _EXIT.match(after)):
            continue  # a new early exit only removes paths to the crash, never adds one
        if _CONTROL.match(text):
            return True
        bound: set[str] = set()
        if match := _ASSIGN.match(text):
            bound |= set(_IDENT.findall(match["lhs"]))
        if match := _BINDS.match(text):
            bound |= set(_IDENT.findall(match["for"] or match["as"] or ""))
        if bound & reads:
            return True
    return _removed_feeds_crash(index, change, entry, reads)


def _removed_feeds_crash(index: CommitIndex, change: CommitChange, entry: StackEntry,
                         reads: set[str]) -> bool:
    """The same question for removed lines (a deleted guard, a deleted assignment), read in
    the parent's version of the function."""
    file_change = change.files.get(entry.path)
    if file_change is None or change.is_root or not file_change.removed:
        return False
    old_path = file_change.old_path or entry.path
    symbol = index.find_function(change.parents[0], old_path, entry.function)
    if symbol is None:
        return False
    old_source = (index.source(change.parents[0], old_path) or "").splitlines()
    crash_text = (entry.frame.context_line or "").strip()
    crash_at = next((n for n in range(symbol.start_line, symbol.end_line + 1)
                     if 0 < n <= len(old_source) and crash_text
                     and old_source[n - 1].strip() == crash_text), symbol.end_line + 1)
    for number, text in zip(sorted(file_change.old_lines), file_change.removed, strict=False):
        if not symbol.start_line < number < crash_at:
            continue  # the signature, or code after the crash
        if _CONTROL.match(text):
            return True
        match = _ASSIGN.match(text)
        if match and set(_IDENT.findall(match["lhs"])) & reads:
            return True
    return False


_EXIT = re.compile(r"^\s*(?:raise|return|continue|break)\b")
_GUARD = re.compile(r"^\s*(?:if|elif)\b")
_GLOBAL = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)")


def _globals_changed(index: CommitIndex, change: CommitChange, path: str) -> set[str]:
    """Module-level names whose existing definition the commit changed in `path`."""
    file_change = change.files.get(path)
    if file_change is None or not file_change.path or change.is_root:
        return set()
    new = (index.source(change.sha, path) or "").splitlines()
    old = index.source(change.parents[0], file_change.old_path or path) or ""
    names = set()
    for number in file_change.new_lines:
        if index.function_at(change.sha, path, number) is not None:
            continue
        for back in range(min(number, len(new)), 0, -1):  # the statement holding this line
            text = new[back - 1]
            if text[:1].strip():
                if match := _GLOBAL.match(text):
                    names.add(match["name"])
                break
    return {n for n in names if re.search(rf"(?m)^{n}\s*(?::[^=]+)?=(?!=)", old)}


def _body(index: CommitIndex, sha: str, entry: StackEntry) -> str:
    symbol = index.find_function(sha, entry.path, entry.function)
    lines = (index.source(sha, entry.path) or "").splitlines()
    return "\n".join(lines[symbol.start_line - 1: symbol.end_line]) if symbol else ""


def _call_changed(change: CommitChange, entry: StackEntry, stack: list[StackEntry]) -> bool:
    """Whether the commit brought the call on `entry`'s line into the deeper frame (a new call,
    or new arguments), rather than editing something else on the same line."""
    callee = stack[entry.depth - 1].frame.function.rsplit(".", 1)[-1]
    line = entry.frame.context_line or ""
    match = re.search(rf"(?<![\w]){re.escape(callee)}\((?:[^()]|\([^()]*\))*\)", line)
    file_change = change.files.get(entry.path)
    if not match or file_change is None:
        return True  # cannot tell: the line changed, count it
    call = re.sub(r"\s+", "", match.group(0))
    return not any(call in re.sub(r"\s+", "", old) for old in file_change.removed)


def _is_code(path: str) -> bool:
    return path.endswith(".py") and not re.search(r"(^|/)(tests?/|test_[^/]*$)", path)


def score_commit(repo: git.Repo, index: CommitIndex, sha: str, stack: list[StackEntry],
                 values: list[str], blames: list[str | None],
                 callees: dict[str, str] | None = None,
                 tested: list[Exercised] | None = None) -> Scored:
    """The evidence against `sha`; `blames[d]` is the commit that last changed the line of
    the stack entry at depth d (0 = the crashing line), as of the base commit. `tested`: the
    functions failing CI tests run (CI alerts only)."""
    change = commit_change(repo, sha)
    scored = Scored(sha)
    crash = stack[0] if stack else None
    if change.is_root:
        touched = [e.path for e in stack if e.path in change.files] + [
            t.path for t in tested or [] if t.path in change.files]
        if touched:
            scored.add("root", ROOT, "the first commit in the history: it introduced "
                       f"{touched[0]}, and the code has been this way since")
        return scored
    if crash and blames and blames[0] == sha:
        scored.add("crash-line", CRASH_LINE,
                   f"last changed the crashing line, {crash.path}:{crash.line}")
    seen: set[tuple[str, str]] = set()
    for entry in stack:
        blamed = entry.depth < len(blames) and blames[entry.depth] == sha
        if entry.depth > 0 and blamed and _call_changed(change, entry, stack) and (
                entry.path, entry.function) not in seen:
            seen.add((entry.path, entry.function))
            scored.add("stack-line", STACK_LINE / entry.depth,
                       f"last changed the line of `{entry.function}` on the stack, "
                       f"{entry.path}:{entry.line} ({entry.depth} call(s) above the crash)")
            continue
        lines = _touched_lines(index, change, entry)
        if not lines or (entry.path, entry.function) in seen:
            continue
        seen.add((entry.path, entry.function))
        feeds = blamed or _feeds_crash(index, change, entry, lines)
        if entry.depth == 0 and feeds:
            scored.add("crash-function", CRASH_FUNCTION,
                       f"changed `{entry.function}`, the function that raised, before the "
                       "crashing line")
        elif entry.depth == 0:
            scored.add("touched-function", TOUCHED,
                       f"changed `{entry.function}`, the function that raised, but nothing "
                       "the crashing line reads")
        elif feeds:
            scored.add("stack-function", STACK_FUNCTION / entry.depth,
                       f"changed `{entry.function}` ({entry.path}), on the stack "
                       f"{entry.depth} call(s) above the crash")
        else:
            scored.add("touched-function", TOUCHED / (entry.depth + 1),
                       f"changed `{entry.function}` on the stack, but not on the way to "
                       "the crash")
    if tested and (found := changed_exercised(index, change, tested,
                                           {(e.path, e.function) for e in stack})):
        depth, line = found
        scored.add("tested-function" if depth == 1 else "tested-callee",
                   TESTED_FUNCTION / depth, line)
    for qualname, path, line in changed_returns(index, change, callees or {}):
        scored.add("changed-callee", CHANGED_CALLEE,
                   f"changed what `{qualname}` ({path}) returns or raises; the crashing "
                   f"function reads its result: `{line}`")
    for path in {e.path for e in stack}:
        changed = _globals_changed(index, change, path)
        readers = [e.function for e in stack if e.path == path and e.function and any(
            re.search(rf"(?<![\w.]){name}(?!\w)", _body(index, sha, e)) for name in changed)]
        if changed and readers:
            scored.add("stack-data", STACK_DATA,
                       f"changed module-level {', '.join(sorted(changed))} in {path}, read by "
                       f"`{readers[0]}` on the stack")
    renames = find_renames(change, values)
    for value in values:
        renamed = [r for r in renames if r.old == value]
        if renamed:
            scored.renames += renamed
            news = sorted({r.new for r in renamed})
            scored.add("renames-name-in-error", RENAMES,
                       f"renamed: '{value}' → {', '.join(repr(n) for n in news)} "
                       f"({renamed[0].kind}, named in the exception) in "
                       f"{', '.join(sorted({r.path for r in renamed})[:3])}")
            continue
        removed_q, removed_w = _mentions(
            [ln for f in change.files.values() for ln in f.removed], value)
        added_q, added_w = _mentions([ln for f in change.files.values() for ln in f.added], value)
        where = [p for p, f in change.files.items()
                 if any(_mentions(f.added + f.removed, value))]
        if removed_q or added_q or removed_w:
            verb = "removed or renamed" if (removed_q or removed_w) and not (added_q or added_w) \
                else "changed"
            scored.add("named-value", NAMED_VALUE,
                       f"{verb} code naming `{value}` (named in the exception) in "
                       f"{', '.join(where[:3])}")
        elif added_w:
            scored.add("named-word", NAMED_WORD,
                       f"added lines mentioning `{value}` in {', '.join(where[:3])}")
    if scored.kinds:
        code_lines = sum(len(f.added) + len(f.removed) for p, f in change.files.items()
                         if _is_code(p))
        scored.score += min(0.3, math.log10(1 + code_lines) / 8)  # size: a tie-breaker only
    return scored


def stack_entries(index: CommitIndex, base_sha: str, frames: list[Frame]) -> list[StackEntry]:
    """In-app, mapped frames, the crashing one first, each with its function at the base."""
    in_app = [f for f in frames if f.in_app and f.repo_path and f.lineno]
    entries = []
    for depth, frame in enumerate(reversed(in_app)):
        assert frame.repo_path is not None and frame.lineno is not None
        symbol = index.function_at(base_sha, frame.repo_path, frame.lineno)
        entries.append(StackEntry(frame, frame.repo_path, frame.lineno,
                                  symbol.qualname if symbol else "", depth))
    return entries


def _callees(index: CommitIndex, base_sha: str, stack: list[StackEntry]) -> dict[str, str]:
    """Functions off the stack whose results the crashing line reads (see callees.py)."""
    crash = stack[0] if stack else None
    symbol = index.find_function(base_sha, crash.path, crash.function) \
        if crash and crash.function else None
    if crash is None or symbol is None:
        return {}
    source = index.source(base_sha, crash.path) or ""
    lines = source.splitlines()
    text = lines[crash.line - 1] if 0 < crash.line <= len(lines) else ""
    on_stack = {e.function.rsplit(".", 1)[-1] for e in stack}
    return {name: line for name, line in result_callees(
        source, symbol.start_line, crash.line, text).items() if name not in on_stack}


def rank(repo: git.Repo, index: CommitIndex, base_sha: str, window: list[str],
         stack: list[StackEntry], values: list[str],
         tested: list[Exercised] | None = None) -> list[Scored]:
    """Score every commit of `window` (oldest first) plus the commits that last changed the
    lines on the stack, wherever they are; strongest first, the newer first among equals.
    What failing CI tests run (`tested`) counts for window commits only: a commit before the
    window ran clean."""
    blames = [vcs.blame_line(repo, base_sha, e.path, e.line) for e in stack]
    shas = list(window)
    for blame in reversed(blames):  # every commit that last changed a line on the stack
        if blame and blame not in shas:
            shas.insert(0, blame)
    order = {sha: position for position, sha in enumerate(shas)}
    callees = _callees(index, base_sha, stack)
    scored = []
    for sha in shas:
        entry = score_commit(repo, index, sha, stack, values, blames, callees,
                             tested if sha in window else None)
        entry.in_window = sha in window
        if entry.kinds:
            if not entry.in_window:
                entry.evidence.append("outside the deploy window")
            # Recency: among equals, the newer commit is likelier; never more than 0.2.
            entry.score += 0.2 * (order[sha] + 1) / len(shas)
            scored.append(entry)
    return sorted(scored, key=lambda s: (-round(s.score, 6), -order[s.sha]))
