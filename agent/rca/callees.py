"""Producers off the stack: functions whose result the crashing line reads.

`dst = book.get(dst_id)` then `dst.currency` on the crashing line: `get` returned before the
crash, so it is on no stack, yet a commit that changed what `get` returns (a `return None`
path, a removed `raise`) produced the value that crashed.
"""

from __future__ import annotations

import re

from agent.rca.diffs import CommitChange
from tools.code_index import CommitIndex

_IDENT = re.compile(r"[A-Za-z_]\w*")
_CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")
_ASSIGN = re.compile(r"^\s*(?P<lhs>[\w\s.,\[\]'\"*]+?)\s*(?::[^=]+)?=(?!=)(?P<rhs>.*)$")
_EXITS = re.compile(r"\b(?:return|raise|yield)\b")
# Builtins and constructors: no commit of the repository changes what they return.
_BUILTINS = {
    "len", "int", "str", "float", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset",
    "sorted", "reversed", "min", "max", "sum", "abs", "round", "any", "all", "range",
    "enumerate", "zip", "map", "filter", "next", "iter", "repr", "type", "super", "isinstance",
    "getattr", "hasattr", "print", "format", "open", "divmod", "hash", "id", "vars", "Decimal",
}


def result_callees(source: str, start: int, crash_line: int, crash_text: str) -> dict[str, str]:
    """{function name: the line binding its result} for the assignments of the crashing
    function (lines `start`..`crash_line`, 1-based) that bind a name the crashing line reads."""
    lines = source.splitlines()
    reads = set(_IDENT.findall(crash_text))
    found: dict[str, str] = {}
    for number in range(start + 1, min(crash_line, len(lines) + 1)):
        text = lines[number - 1]
        match = _ASSIGN.match(text)
        if not match or not set(_IDENT.findall(match["lhs"])) & reads:
            continue
        for name in _CALL.findall(match["rhs"]):
            if name not in _BUILTINS:
                found.setdefault(name, text.strip())
    return found


def changed_returns(index: CommitIndex, change: CommitChange, names: dict[str, str]
                    ) -> list[tuple[str, str, str]]:
    """(qualified name, path, binding line) of the functions named in `names` whose return
    or raise statements `change` changed (non-test code only)."""
    if change.is_root or not names:
        return []
    found: dict[str, tuple[str, str, str]] = {}
    for path, file_change in change.files.items():
        if not path.endswith(".py") or re.search(r"(^|/)(tests?/|test_[^/]*$)", path):
            continue
        new_source = (index.source(change.sha, path) or "").splitlines() \
            if file_change.path else []
        touched: list[tuple[str, int]] = []  # (revision, line number) pairs to look up
        for number in file_change.new_lines:
            if 0 < number <= len(new_source) and _EXITS.search(new_source[number - 1]):
                touched.append((change.sha, number))
        old_path = file_change.old_path or path
        for number, text in zip(sorted(file_change.old_lines), file_change.removed,
                                strict=False):
            if _EXITS.search(text):
                touched.append((change.parents[0], number))
        for revision, line_no in touched:
            where = path if revision == change.sha else old_path
            symbol = index.function_at(revision, where, line_no)
            short = symbol.qualname.rsplit(".", 1)[-1] if symbol else ""
            if symbol and short in names:
                found.setdefault(short, (symbol.qualname, path, names[short]))
    return list(found.values())
