"""tree-sitter index of Python source: functions, classes and methods with their spans, call
sites, and a per-commit cache of both."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import git
import tree_sitter_python
from tree_sitter import Language, Node, Parser

_LANGUAGE = Language(tree_sitter_python.language())


@dataclass(frozen=True)
class Symbol:
    qualname: str  # "apply_coupon", "Cart.total", "outer.inner"
    kind: str  # "function" | "class"
    start_line: int  # 1-based, inclusive (the `def` line, decorators excluded)
    end_line: int  # 1-based, inclusive
    params: tuple[str, ...] = ()


def _params(node: Node) -> tuple[str, ...]:
    params = node.child_by_field_name("parameters")
    names = []
    for child in params.named_children if params else []:
        target = child if child.type == "identifier" else child.child_by_field_name("name")
        if target is None and child.named_children:
            target = child.named_children[0]
        if target is not None and target.type == "identifier" and target.text:
            names.append(target.text.decode())
    return tuple(names)


def _walk(node: Node, prefix: str, out: list[Symbol]) -> None:
    for child in node.named_children:
        inner = child
        if child.type == "decorated_definition":
            inner = child.child_by_field_name("definition") or child
        if inner.type in ("function_definition", "class_definition"):
            name_node = inner.child_by_field_name("name")
            name = name_node.text.decode() if name_node and name_node.text else "?"
            qualname = f"{prefix}.{name}" if prefix else name
            kind = "function" if inner.type == "function_definition" else "class"
            out.append(Symbol(qualname, kind, inner.start_point[0] + 1, inner.end_point[0] + 1,
                              _params(inner) if kind == "function" else ()))
            body = inner.child_by_field_name("body")
            if body is not None:
                _walk(body, qualname, out)
        elif child.type in ("if_statement", "try_statement", "block", "else_clause",
                            "with_statement"):
            _walk(child, prefix, out)  # definitions nested in module-level control flow


@lru_cache(maxsize=512)
def symbols(source: str) -> tuple[Symbol, ...]:
    """All definitions in `source`, outermost first. Cached by text, so by commit."""
    tree = Parser(_LANGUAGE).parse(source.encode())
    found: list[Symbol] = []
    _walk(tree.root_node, "", found)
    return tuple(found)


def function_at(source: str, line: int) -> Symbol | None:
    """The innermost function whose span holds `line` (1-based)."""
    best = None
    for symbol in symbols(source):
        if symbol.kind == "function" and symbol.start_line <= line <= symbol.end_line and (
            best is None or symbol.start_line >= best.start_line
        ):
            best = symbol
    return best


def find_function(source: str, qualname: str) -> Symbol | None:
    """A function by qualified name, or by its last component when that is unique."""
    functions = [s for s in symbols(source) if s.kind == "function"]
    exact = [s for s in functions if s.qualname == qualname]
    if exact:
        return exact[0]
    short = [s for s in functions if s.qualname.rsplit(".", 1)[-1] == qualname]
    return short[0] if len(short) == 1 else None


# ---------------------------------------------------------------- call sites

@dataclass(frozen=True)
class CallSite:
    line: int  # 1-based line of the call
    caller: str  # qualified name of the enclosing function, "<module>" at top level
    text: str  # the call expression, as written


def _callee_name(call: Node) -> str:
    """`f(...)` → "f"; `obj.method(...)` → "method"; anything else → ""."""
    func = call.child_by_field_name("function")
    if func is None:
        return ""
    if func.type == "attribute":
        func = func.child_by_field_name("attribute")
    return func.text.decode() if func is not None and func.type == "identifier" and func.text \
        else ""


def _calls(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "call":
            yield current
        stack.extend(reversed(current.named_children))


@lru_cache(maxsize=512)
def _all_calls(source: str) -> tuple[tuple[str, int, str], ...]:
    tree = Parser(_LANGUAGE).parse(source.encode())
    return tuple((_callee_name(call), call.start_point[0] + 1,
                  (call.text or b"").decode(errors="replace"))
                 for call in _calls(tree.root_node))


def call_sites(source: str, name: str) -> list[CallSite]:
    """Where `name` is called in `source` (a plain call or a method call by that name).

    `name` may be qualified ("Cart.total"): its last component is what a call site shows.
    """
    short = name.rsplit(".", 1)[-1]
    sites = []
    for callee, line, text in _all_calls(source):
        if callee == short:
            caller = function_at(source, line)
            sites.append(CallSite(line, caller.qualname if caller else "<module>", text))
    return sites


def calls_in(source: str, qualname: str) -> list[str]:
    """The names called inside function `qualname`, in order of appearance, without repeats."""
    symbol = find_function(source, qualname)
    if symbol is None:
        return []
    names = [callee for callee, line, _ in _all_calls(source)
             if callee and symbol.start_line <= line <= symbol.end_line]
    return list(dict.fromkeys(names))


# ---------------------------------------------------------------- per-commit index

class CommitIndex:
    """Symbols of files as of a commit, read through git and cached by (commit, path).

    A commit's files never change, so a second incident in the same repository (or the
    scoring of many suspect commits) reads and parses each (commit, file) once.
    """

    def __init__(self, git_dir: Path, max_files: int = 2048) -> None:
        # A bare command runner, not a `Repo`: the index lives as long as the process, and a
        # Repo kept that long keeps its `git cat-file` processes running with it.
        self._git = git.Git()
        self._git_dir = str(git_dir)
        self._sources: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._max = max_files

    def source(self, sha: str, path: str) -> str | None:
        key = (sha, path)
        if key in self._sources:
            self._sources.move_to_end(key)
            return self._sources[key]
        try:
            text: str | None = str(self._git.execute(
                ["git", f"--git-dir={self._git_dir}", "show", f"{sha}:{path}"],
                strip_newline_in_stdout=False))
        except git.GitCommandError:
            text = None
        self._sources[key] = text
        if len(self._sources) > self._max:
            self._sources.popitem(last=False)
        return text

    def symbols(self, sha: str, path: str) -> tuple[Symbol, ...]:
        text = self.source(sha, path)
        return symbols(text) if text is not None else ()

    def function_at(self, sha: str, path: str, line: int) -> Symbol | None:
        text = self.source(sha, path)
        return function_at(text, line) if text is not None else None

    def find_function(self, sha: str, path: str, qualname: str) -> Symbol | None:
        text = self.source(sha, path)
        return find_function(text, qualname) if text is not None else None

    def call_sites(self, sha: str, name: str, paths: list[str]) -> dict[str, list[CallSite]]:
        """Call sites of `name` in each of `paths` (Python files) as of `sha`."""
        found = {}
        for path in paths:
            text = self.source(sha, path) if path.endswith(".py") else None
            sites = call_sites(text, name) if text else []
            if sites:
                found[path] = sites
        return found


_INDEXES: OrderedDict[str, CommitIndex] = OrderedDict()
_MAX_INDEXES = 16  # repositories whose index is kept (an eval run goes through dozens)


def commit_index(repo: git.Repo) -> CommitIndex:
    """The shared index of `repo` (one per git directory, the least recently used dropped)."""
    key = str(Path(repo.git_dir).resolve())
    if key in _INDEXES:
        _INDEXES.move_to_end(key)
    else:
        _INDEXES[key] = CommitIndex(Path(key))
        if len(_INDEXES) > _MAX_INDEXES:
            _INDEXES.popitem(last=False)
    return _INDEXES[key]
