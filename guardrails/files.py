"""A changed file, and what the checks need to know about it, computed once per patch."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from guardrails.globs import first_match
from guardrails.pycode import PyFacts, analyse
from guardrails.untrusted import inline


@dataclass
class FileChange:
    """One file of a patch, as full texts: `before` None means added, `after` None deleted."""

    path: str
    before: str | None
    after: str | None

    @property
    def added(self) -> bool:
        return self.before is None

    @property
    def deleted(self) -> bool:
        return self.after is None


@dataclass
class ChangedFile:
    change: FileChange  # with a normalized path
    is_test: bool
    before_facts: PyFacts | None = field(default=None, repr=False)
    after_facts: PyFacts | None = field(default=None, repr=False)
    problem: str | None = None  # why the new Python text cannot be checked

    @property
    def path(self) -> str:
        return self.change.path

    @cached_property
    def shown(self) -> str:
        """The path as it may appear in a reason: file names are data too."""
        return inline(self.path, 200)

    @property
    def is_python(self) -> bool:
        return self.path.endswith(".py")

    @cached_property
    def line_diff(self) -> tuple[list[tuple[int, str]], int]:
        """Added lines with their 1-based numbers in the new text, and the removed-line count."""
        old, new = self.change.before or "", self.change.after or ""
        return line_diff(old.splitlines(), new.splitlines())


# Above this many line pairs, difflib takes seconds; a multiset count is exact for edits and
# only misses pure moves, and a patch that size is far over any line budget anyway.
_MAX_DIFF_WORK = 4_000_000


def line_diff(old: list[str], new: list[str]) -> tuple[list[tuple[int, str]], int]:
    # Trim what did not change first: a one-line fix in a large file costs almost nothing.
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    a, b = old[start : len(old) - end], new[start : len(new) - end]
    added: list[tuple[int, str]] = []
    if len(a) * len(b) > _MAX_DIFF_WORK:
        remaining = Counter(a)
        for j, line in enumerate(b):
            if remaining[line] > 0:
                remaining[line] -= 1
            else:
                added.append((start + j + 1, line))
        return added, sum(remaining.values())
    removed = 0
    # autojunk (the default) keeps repeated lines such as blank ones from making difflib
    # quadratic; at worst it reports a few more changed lines than a minimal diff.
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added.extend((start + j + 1, b[j]) for j in range(j1, j2))
    return added, removed


def prepare(change: FileChange, test_paths: tuple[str, ...]) -> ChangedFile:
    item = ChangedFile(change, is_test=first_match(change.path, test_paths) is not None)
    if item.is_python:
        if change.before is not None:
            before = analyse(change.before, change.path)
            item.before_facts = before if isinstance(before, PyFacts) else None
        if change.after is not None:
            after = analyse(change.after, change.path)
            item.after_facts = after if isinstance(after, PyFacts) else None
            item.problem = after if isinstance(after, str) else None
    return item
