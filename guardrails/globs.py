"""Path globs for policies, with gitignore-like rules people already know.

- `*` and `?` stay inside one path segment; `**` spans segments; `{a,b}` expands.
- A pattern without a slash matches a file or directory name at any depth (`*.lock`, `.env`).
- A trailing slash means "this directory and everything under it" (`.github/`, `migrations/`).
- A leading slash anchors the pattern at the repository root (`/setup.py`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache


def normalize_path(path: str) -> str | None:
    """A clean repository-relative POSIX path, or None if it escapes the repository."""
    p = path.replace("\\", "/").strip()
    if not p or p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        return None
    p = posixpath.normpath(p)
    if p == "." or p == ".." or p.startswith("../"):
        return None
    return p


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [x for alt in match.group(1).split(",") for x in _expand_braces(head + alt + tail)]


def _translate(pattern: str) -> str:
    directory = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    if not anchored:
        pattern = "**/" + pattern
    if directory:
        pattern += "/**"
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    alternatives = "|".join(_translate(p) for p in _expand_braces(pattern))
    # A match on a directory also covers what is inside it (`build` matches build/x.py).
    return re.compile(f"(?:{alternatives})(?:/.*)?", re.IGNORECASE if ignore_case else 0)


def first_match(path: str, patterns: Iterable[str], *, ignore_case: bool = False) -> str | None:
    """The first pattern that matches `path` (already normalized), or None."""
    for pattern in patterns:
        if compile_glob(pattern, ignore_case).fullmatch(path):
            return pattern
    return None
