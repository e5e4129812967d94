"""Renames of the names in an error, read from a commit's diff.

A rename is a removed token equal to the name in the error (a dict key, an attribute, a
setting, a function, an imported name, a module) whose line, in the same hunk, was replaced by
a near-identical line holding another name at the same position:

    -    return {"user": row["uid"], "total": total}
    +    return {"user_id": row["uid"], "total": total}

gives `'user' → 'user_id'` (a key). A module renamed by moving its file counts too. The pair
is what a repair completes: the reader the culprit missed should read the new name.
"""

from __future__ import annotations

import difflib
import re

from agent.rca.diffs import CommitChange
from agent.state import Rename, RenameKind

_TOKEN = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\d[\w.]*|\S""")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w\-]*")  # keys and settings may hold dashes
_UPPER_SETTING = re.compile(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+")
_ENVIRON = re.compile(r"\b(?:environ|getenv|settings|config|conf)\b", re.IGNORECASE)
MIN_LINE_SIMILARITY = 0.5  # the rest of the line must be (mostly) the same
MAX_PAIRS = 60 * 60  # per hunk: a huge rewrite is not a rename


def _unquote(token: str) -> tuple[str, bool]:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1], True
    return token, False


def _kind(tokens: list[str], at: int, quoted: bool, line: str, value: str) -> RenameKind:
    previous = tokens[at - 1] if at > 0 else ""
    first = tokens[0] if tokens else ""
    if quoted:
        return "setting" if _UPPER_SETTING.fullmatch(value) or _ENVIRON.search(line) else "key"
    if first in ("from", "import"):
        return "module" if first == "from" and "import" in tokens[at:] else "import"
    if previous in ("def", "class"):
        return "definition"
    if previous == "." or (at == 0 and line[:1].isspace() and tokens[1:2] == [":"]):
        return "attribute"  # obj.name, or a class body's annotated field `    name: int`
    if _UPPER_SETTING.fullmatch(value):
        return "setting"
    return "name"


def _matches(token: str, value: str) -> tuple[bool, bool]:
    """(whether `token` is `value`, whether it is quoted); a dotted value (a module) also
    matches its last part."""
    text, quoted = _unquote(token)
    return text == value or (not quoted and "." in value and text == value.rsplit(".", 1)[1]), \
        quoted


def _line_renames(removed: str, added: str, value: str, path: str) -> list[Rename]:
    old, new = _TOKEN.findall(removed), _TOKEN.findall(added)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < MIN_LINE_SIMILARITY:
        return []
    found = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace" or i2 - i1 != j2 - j1:
            continue
        for offset in range(i2 - i1):
            before, after = old[i1 + offset], new[j1 + offset]
            hit, quoted = _matches(before, value)
            text, new_quoted = _unquote(after)
            if not hit or new_quoted != quoted or not _IDENTIFIER.fullmatch(text):
                continue
            if "." in value and not quoted:
                if value not in removed:
                    continue
                text = value.rsplit(".", 1)[0] + "." + text
            if text != value:
                found.append(Rename(old=value, new=text, path=path,
                                    kind=_kind(old, i1 + offset, quoted, removed, value),
                                    before=removed.strip(), after=added.strip()))
    return found


def _module(path: str) -> str:
    return re.sub(r"(/__init__)?\.py$", "", path).replace("/", ".")


def find_renames(change: CommitChange, values: list[str]) -> list[Rename]:
    """Renames of any of `values` in `change`, first found first, one per (old, new, path)."""
    found: dict[tuple[str, str, str], Rename] = {}
    for path, file_change in change.files.items():
        if not file_change.path:
            continue  # a deleted file renames nothing
        old_path = file_change.old_path
        if old_path and old_path != path and old_path.endswith(".py") and path.endswith(".py"):
            before, after = _module(old_path), _module(path)
            for value in values:
                if value in (before, before.rsplit(".", 1)[-1]):
                    new = after if value == before else after.rsplit(".", 1)[-1]
                    found.setdefault((value, new, path), Rename(
                        old=value, new=new, path=path, kind="module",
                        before=old_path, after=path))
        for removed, added in file_change.hunks:
            if not removed or not added or len(removed) * len(added) > MAX_PAIRS:
                continue
            for value in values:
                for at, line in enumerate(removed):
                    if value.rsplit(".", 1)[-1] not in line:
                        continue
                    for rename in _line_renames(line, _counterpart(line, at, added), value,
                                                path):
                        found.setdefault((rename.old, rename.new, path), rename)
    return list(found.values())


def _counterpart(line: str, at: int, added: list[str]) -> str:
    """The added line that replaced removed line number `at` of a hunk: the most similar one,
    the nearest in position among equals."""
    tokens = _TOKEN.findall(line)

    def similarity(item: tuple[int, str]) -> tuple[float, int]:
        ratio = difflib.SequenceMatcher(None, tokens, _TOKEN.findall(item[1]),
                                        autojunk=False).ratio()
        return ratio, -abs(item[0] - at)

    return max(enumerate(added), key=similarity)[1]
