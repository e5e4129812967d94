"""A changed file, and what the checks need to know about it, computed once per patch."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from functools import cached_property

from guardrails.globs import first_match
from guardrails.pycode import PyFacts, collect, parse


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
    before_tree: ast.Module | str | None = field(default=None, repr=False)  # str: parse error
    after_tree: ast.Module | str | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return self.change.path

    @property
    def is_python(self) -> bool:
        return self.path.endswith(".py")

    @cached_property
    def before_facts(self) -> PyFacts | None:
        return collect(self.before_tree) if isinstance(self.before_tree, ast.Module) else None

    @cached_property
    def after_facts(self) -> PyFacts | None:
        return collect(self.after_tree) if isinstance(self.after_tree, ast.Module) else None

    @cached_property
    def line_diff(self) -> tuple[list[tuple[int, str]], int]:
        """Added lines with their 1-based numbers in the new text, and the removed-line count."""
        old = (self.change.before or "").splitlines()
        new = (self.change.after or "").splitlines()
        added: list[tuple[int, str]] = []
        removed = 0
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                removed += i2 - i1
            if tag in ("replace", "insert"):
                added.extend((j + 1, new[j]) for j in range(j1, j2))
        return added, removed


def prepare(change: FileChange, test_paths: tuple[str, ...]) -> ChangedFile:
    item = ChangedFile(change, is_test=first_match(change.path, test_paths) is not None)
    if item.is_python:
        if change.before is not None:
            item.before_tree = parse(change.before, change.path)
        if change.after is not None:
            item.after_tree = parse(change.after, change.path)
    return item
