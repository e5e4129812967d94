"""Applying a candidate inside the warm worker's forked child, two ways (see worker.py):

- `swap`: new code objects for the changed functions of already imported modules, when that
  is sound: the module's code outside function bodies is unchanged, every changed function
  has exactly one definition and a live function object whose code is the old one, its
  closure's names are the same, and no code that runs at import time (module or class level,
  decorators, defaults, in any repository module) names a changed function. Then every
  reference to the function, in any module or test, runs the new code.
- a fresh import: the repository modules the patch affects are dropped and the candidate's
  files are served to imports from memory (a meta-path finder).

The worker loads this file by path inside the sandbox, so it needs only the standard library.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from typing import Any

_CO_OPTIMIZED = 0x1  # set on a function's code, never on a module's or a class body's


class MemoryLoader(importlib.abc.SourceLoader):
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text

    def get_filename(self, fullname: str) -> str:
        return self.path

    def get_data(self, path: str) -> bytes:
        if path == self.path:
            return self.text.encode()
        with open(path, "rb") as f:
            return f.read()


class MemoryFinder(importlib.abc.MetaPathFinder):
    """Serves the candidate's version of some files; everything else imports as usual."""

    def __init__(self, by_path: dict[str, str]) -> None:
        self.by_path = by_path

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin not in self.by_path:
            return None
        origin = spec.origin
        return importlib.util.spec_from_file_location(
            fullname, origin, loader=MemoryLoader(origin, self.by_path[origin]),
            submodule_search_locations=spec.submodule_search_locations)


class Repository:
    """The repository's imported modules, read once after collection: name → file, text."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._import_time_names: dict[str, set[str]] = {}
        self._bases: dict[str, tuple[str, dict[str, list[types.CodeType]],
                                     dict[str, list[types.FunctionType]]]] = {}
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None) or ""
            if path and os.path.realpath(path).startswith(root + os.sep):
                self.files[name] = os.path.realpath(path)
        for name, path in self.files.items():
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self.texts[name] = f.read()
            except OSError:
                self.texts[name] = ""

    def affected(self, patched: dict[str, str]) -> list[str]:
        """Modules to drop for a fresh import: the patched ones, and every module whose text
        names a dropped one (to a fixpoint), so no kept module holds a function of the old
        version."""
        words = {os.path.relpath(p, self.root)[:-3].replace(os.sep, ".")
                 .removesuffix(".__init__").split(".")[-1] for p in patched}
        drop = {name for name, path in self.files.items() if path in patched}
        while True:
            more = {name for name, text in self.texts.items()
                    if name not in drop and any(word in text for word in words)}
            if not more:
                return sorted(drop)
            drop |= more
            words |= {name.split(".")[-1] for name in more}

    def base(self, name: str, path: str, module: types.ModuleType) -> tuple[
            str, dict[str, list[types.CodeType]], dict[str, list[types.FunctionType]]]:
        """Module `name` as imported: its skeleton, its functions' code and the live function
        objects (read once: the worker never changes them, only its children do). Raises
        SyntaxError or ValueError when its text does not compile."""
        if name not in self._bases:
            text = self.texts[name]
            self._bases[name] = (ast.dump(skeleton(ast.parse(text))),
                                 function_codes(compile(text, path, "exec", dont_inherit=True)),
                                 live_functions(module))
        return self._bases[name]

    def import_time_names(self, name: str) -> set[str]:
        """Names that code run at import of module `name` mentions (outside function bodies)."""
        if name not in self._import_time_names:
            try:
                tree = ast.parse(self.texts.get(name, ""))
            except SyntaxError:
                tree = ast.Module(body=[], type_ignores=[])
            skeleton(tree)
            self._import_time_names[name] = {
                n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(tree)
                if isinstance(n, ast.Name | ast.Attribute)}
        return self._import_time_names[name]


def skeleton(tree: ast.AST) -> ast.AST:
    """`tree` with every function body emptied: what runs when the module is imported."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.body = [ast.Pass()]
    return tree


def function_codes(code: types.CodeType) -> dict[str, list[types.CodeType]]:
    """Qualified name → the code objects of the functions defined by `code` outside other
    functions (module level, and methods of classes at any depth)."""
    found: dict[str, list[types.CodeType]] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_flags & _CO_OPTIMIZED:
                found.setdefault(const.co_qualname, []).append(const)
            else:  # a class body
                for key, codes in function_codes(const).items():
                    found.setdefault(key, []).extend(codes)
    return found


def live_functions(module: types.ModuleType) -> dict[str, list[types.FunctionType]]:
    """Qualified name → function objects of `module` reachable from its namespace (methods,
    static and class methods, properties, and what decorators wrapped included)."""
    found: dict[str, list[types.FunctionType]] = {}
    seen: set[int] = set()

    def add(value: Any, depth: int) -> None:
        if id(value) in seen or depth > 8:
            return
        seen.add(id(value))
        if isinstance(value, staticmethod | classmethod):
            add(value.__func__, depth + 1)
        elif isinstance(value, property):
            for part in (value.fget, value.fset, value.fdel):
                add(part, depth + 1)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for member in vars(value).values():
                add(member, depth + 1)
        elif isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            found.setdefault(value.__qualname__, []).append(value)
        wrapped = getattr(value, "__wrapped__", None) if not isinstance(value, type) else None
        if wrapped is not None:
            add(wrapped, depth + 1)

    for value in list(vars(module).values()):
        add(value, 0)
    return found


Swaps = list[tuple[types.FunctionType, types.CodeType]]


def plan_swap(repo: Repository, patched: dict[str, str]) -> Swaps | str:
    """Each changed function object with its new code, or why swapping is not sound. Changes
    nothing (the worker plans before it forks; the child applies)."""
    if not hasattr(types.CodeType, "co_qualname"):
        return "this Python has no qualified names on code objects"
    by_path = {path: name for name, path in repo.files.items()}
    swaps: Swaps = []
    changed_names: set[str] = set()
    for path, text in patched.items():
        name = by_path.get(path)
        module = sys.modules.get(name or "")
        if name is None or module is None:
            return f"{path} is not an imported module"
        try:
            old_skeleton, old_functions, live = repo.base(name, path, module)
            new_tree = ast.parse(text)
            new_code = compile(new_tree, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return f"{path} does not compile ({exc})"
        if old_skeleton != ast.dump(skeleton(new_tree)):
            return f"{path}: code outside function bodies changes"
        new_functions = function_codes(new_code)
        for qualname, codes in new_functions.items():
            before = old_functions.get(qualname, [])
            if codes == before:
                continue
            if len(codes) != 1 or len(before) != 1:
                return f"{qualname} is defined more than once"
            targets = [f for f in live.get(qualname, []) if f.__code__ == before[0]]
            if not targets:
                return f"no live function object for {qualname}"
            if codes[0].co_freevars != before[0].co_freevars:
                return f"{qualname} closes over other names"
            swaps += [(function, codes[0]) for function in targets]
            changed_names.add(qualname.split(".")[-1])
    for module_name in repo.files:
        if repo.import_time_names(module_name) & changed_names:
            return f"{module_name} runs a changed function when imported"
    return swaps


def apply_swaps(swaps: Swaps) -> None:
    for function, code in swaps:
        function.__code__ = code


def swap(repo: Repository, patched: dict[str, str]) -> str | None:
    """Give each changed function its new code; None when done, else why it is not sound
    (nothing is changed then)."""
    swaps = plan_swap(repo, patched)
    if isinstance(swaps, str):
        return swaps
    apply_swaps(swaps)
    return None


class Spectrum:
    """Which lines of the repository's files one test executed, and which arcs between them
    (line → next line in the same frame; a negative number is the function's entry or exit,
    as coverage.py writes them): the raw data of spectrum-based fault localisation.

    Built on `sys.settrace` (every interpreter has it); a frame outside the repository or in
    `skip` gets no line tracing at all."""

    def __init__(self, root: str, skip: str) -> None:
        self.root, self.skip = root + os.sep, skip + os.sep
        self._relative: dict[str, str] = {}
        self.lines: dict[str, set[int]] = {}
        self.arcs: dict[str, set[tuple[int, int]]] = {}

    def _file(self, filename: str) -> str:
        rel = self._relative.get(filename)
        if rel is None:
            real = os.path.realpath(filename) if filename[:1] != "<" else ""
            rel = (real[len(self.root):] if real.startswith(self.root)
                   and not real.startswith(self.skip) else "")
            self._relative[filename] = rel
        return rel

    def _call(self, frame: Any, event: str, arg: Any) -> Any:
        rel = self._file(frame.f_code.co_filename)
        if not rel:
            return None
        lines = self.lines.setdefault(rel, set())
        arcs = self.arcs.setdefault(rel, set())
        entry = -frame.f_code.co_firstlineno
        last = [entry]

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line":
                lines.add(frame.f_lineno)
                arcs.add((last[0], frame.f_lineno))
                last[0] = frame.f_lineno
            elif event == "return":
                arcs.add((last[0], entry))
            return local

        return local

    def start(self) -> None:
        import threading

        self.lines, self.arcs = {}, {}
        threading.settrace(self._call)
        sys.settrace(self._call)

    def stop(self) -> dict[str, Any]:
        import threading

        sys.settrace(None)
        threading.settrace(None)
        return {"lines": {p: sorted(v) for p, v in self.lines.items() if v},
                "arcs": {p: sorted(v) for p, v in self.arcs.items() if v}}
