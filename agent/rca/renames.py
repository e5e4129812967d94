"""What a commit renamed, read from its diff: the one reader of renames, for RCA and repair.

A rename is a token (an identifier, or a string literal holding a key or a setting) that a
changed line replaced by another at the same position, the rest of the line (mostly) the
same; the line is paired with the most similar one that replaced it in the same hunk:

    -    return {"user": row["uid"], "total": total}
    +    return {"user_id": row["uid"], "total": total}

gives `'user' → 'user_id'` (a key). A module renamed by moving its file counts too. RCA asks
for the renames of the names in the error (`find_renames`: strong evidence against a
suspect); repair reads every rename the culprit made, once for each place (`renames_in`,
`moved_modules`), to complete the one it missed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from agent.rca.diffs import CommitChange
from agent.state import Rename, RenameKind

_TOKEN = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\d[\w.]*|\S""")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w\-]*")  # keys and settings may hold dashes
_UPPER_SETTING = re.compile(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+")
_ENVIRON = re.compile(r"\b(?:environ|getenv|settings|config|conf)\b", re.IGNORECASE)
MIN_LINE_SIMILARITY = 0.5  # the rest of the line must be (mostly) the same
MAX_PAIRS = 60 * 60  # per hunk: a huge rewrite is not a rename


def module_name(path: str) -> str:
    """`src/app/util.py` → `app.util`; a package's `__init__.py` is the package."""
    parts = re.sub(r"\.py$", "", path).split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def pluralises(old: str, new: str) -> bool:
    """`bin_for` → `bins_for`, `item` → `items`: one word of the name gained an s. What was
    one value is now many, so the new name is not a drop-in for the old one."""
    words, other = old.split("_"), new.split("_")
    return len(words) == len(other) and sum(
        w != o for w, o in zip(words, other, strict=True)) == 1 and all(
        w == o or o in (w + "s", w + "es") for w, o in zip(words, other, strict=True))


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


def line_renames(removed: str, added: str, path: str) -> list[Rename]:
    """Each name `added` holds where `removed` held another, in line order; none when the
    rest of the two lines differs too much for one to be the other renamed."""
    old, new = _TOKEN.findall(removed), _TOKEN.findall(added)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < MIN_LINE_SIMILARITY:
        return []
    found = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace" or i2 - i1 != j2 - j1:
            continue
        for offset in range(i2 - i1):
            before, quoted = _unquote(old[i1 + offset])
            after, new_quoted = _unquote(new[j1 + offset])
            if new_quoted != quoted or not before or before == after or \
                    not _IDENTIFIER.fullmatch(after) or \
                    not (quoted or _IDENTIFIER.fullmatch(before)):
                continue
            found.append(Rename(old=before, new=after, path=path, quoted=quoted,
                                kind=_kind(old, i1 + offset, quoted, removed, before),
                                before=removed.strip(), after=added.strip()))
    return found


def line_pairs(removed: list[str], added: list[str],
               containing: str = "") -> Iterator[tuple[str, str]]:
    """Each removed line of a hunk (those `containing` a text) with the added line that
    replaced it: the most similar, the nearest in position among equals; none for a huge
    hunk."""
    if not added or len(removed) * len(added) > MAX_PAIRS or \
            not any(containing in line for line in removed):
        return
    added_tokens = [_TOKEN.findall(line) for line in added]
    for at, line in enumerate(removed):
        if containing not in line:
            continue
        tokens = _TOKEN.findall(line)

        def similarity(index: int, tokens: list[str] = tokens, at: int = at
                       ) -> tuple[float, int]:
            ratio = difflib.SequenceMatcher(None, tokens, added_tokens[index],
                                            autojunk=False).ratio()
            return ratio, -abs(index - at)

        yield line, added[max(range(len(added)), key=similarity)]


def renames_in(change: CommitChange) -> list[Rename]:
    """Every rename on the lines `change` rewrote, once for each place it was made."""
    found: list[Rename] = []
    for path, file_change in change.files.items():
        if not file_change.path:
            continue  # a deleted file renames nothing
        for removed, added in file_change.hunks:
            for old_line, new_line in line_pairs(removed, added):
                found += line_renames(old_line, new_line, path)
    return found


def moved_modules(change: CommitChange) -> list[Rename]:
    """Python modules `change` renamed by moving their file."""
    return [Rename(old=module_name(f.old_path), new=module_name(path), path=path,
                   kind="module", before=f.old_path, after=path)
            for path, f in change.files.items()
            if f.path and f.old_path and f.old_path != path and f.old_path.endswith(".py")
            and path.endswith(".py")]


def find_renames(change: CommitChange, values: list[str]) -> list[Rename]:
    """Renames of any of `values` (the names in an error) in `change`, first found first, one
    per (old, new, path). A dotted value is a module: renaming its last part renames it."""
    found: dict[tuple[str, str, str], Rename] = {}
    modules = {m.path: m for m in moved_modules(change)}
    for path, file_change in change.files.items():
        if not file_change.path:
            continue
        if (moved := modules.get(path)) is not None:
            for value in values:
                if value in (moved.old, moved.old.rsplit(".", 1)[-1]):
                    new = moved.new if value == moved.old else moved.new.rsplit(".", 1)[-1]
                    found.setdefault((value, new, path), moved.model_copy(
                        update={"old": value, "new": new}))
        for removed, added in file_change.hunks:
            for value in values:
                last = value.rsplit(".", 1)[-1]
                for old_line, new_line in line_pairs(removed, added, last):
                    for rename in line_renames(old_line, new_line, path):
                        if rename.old != value:
                            if rename.quoted or rename.old != last or value not in old_line:
                                continue
                            rename = rename.model_copy(update={
                                "old": value, "new": value.rsplit(".", 1)[0] + "." + rename.new})
                        found.setdefault((rename.old, rename.new, path), rename)
    return list(found.values())
