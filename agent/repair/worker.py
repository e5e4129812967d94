"""The warm worker: one interpreter that holds a pytest session with the repository's tests
collected (so its modules and test modules are imported once), and forks once per candidate
to run the asked tests in the child.

It runs inside the sandbox (`python -c <this file's text> <channel dir> [<pytest option>...]`),
in the worktree, on the repository environment's interpreter and pytest, and needs only the
standard library and that pytest. The options are those of the repository's test command
that decide what is collected (a service's `-c`, `--rootdir`, `-o testpaths=...`). Requests
and answers are JSON lines over two FIFOs in the channel directory (the worktree is the one
place both sides can write):

    request  {"id": 1, "files": {"shop/cart.py": "<new text>"}, "tests": [...], "timeout": 5}
    answer   {"id": 1, "exit_code": 0, "timed_out": false, "seconds": 0.04, "mode": "swap",
              "tests": [{"nodeid": "...", "outcome": "passed", "message": ""}]}

Two ways to apply a candidate in the child, both leaving the worktree on disk untouched:

- "swap": when the candidate changes only the bodies of functions of imported modules, and
  no code that runs at import time (module or class level, decorators, defaults) names a
  changed function, each changed function object gets the new code object. Every reference
  to it, in any module or test, then runs the new code. The asked tests are run from the
  session's collected items through pytest's run-test protocol: no new session.
- "session" (anything else: module-level changes, a test id not collected, a plugin option,
  a collection error at the base): the child drops the repository modules the patch affects,
  serves the candidate's files to imports from memory (a meta-path finder) and runs a fresh
  `pytest.main`.

An empty `tests` list runs the whole suite. `{"quit": true}` ends the worker.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import select
import signal
import sys
import time
import types
from typing import Any

CHANNEL_IN, CHANNEL_OUT = "in.fifo", "out.fifo"
MESSAGE_CHARS = 1500
_BASE_ARGS = ["-q", "--tb=line", "-p", "no:cacheprovider", "-p", "no:randomly"]
_CO_OPTIMIZED = 0x1  # set on a function's code, never on a module's or a class body's


class _MemoryLoader(importlib.abc.SourceLoader):
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text

    def get_filename(self, fullname: str) -> str:
        return self.path

    def get_data(self, path: str) -> bytes:
        if path == self.path:
            return self.text.encode()
        with open(path, "rb") as f:
            return f.read()


class _MemoryFinder(importlib.abc.MetaPathFinder):
    """Serves the candidate's version of some files; everything else imports as usual."""

    def __init__(self, by_path: dict[str, str]) -> None:
        self.by_path = by_path

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin not in self.by_path:
            return None
        origin = spec.origin
        return importlib.util.spec_from_file_location(
            fullname, origin, loader=_MemoryLoader(origin, self.by_path[origin]),
            submodule_search_locations=spec.submodule_search_locations)


class _Repository:
    """The repository's imported modules, read once after collection: name → file, text."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._import_time_names: dict[str, set[str]] = {}
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

    def import_time_names(self, name: str) -> set[str]:
        """Names that code run at import of module `name` mentions (outside function bodies)."""
        if name not in self._import_time_names:
            try:
                tree = ast.parse(self.texts.get(name, ""))
            except SyntaxError:
                tree = ast.Module(body=[], type_ignores=[])
            _skeleton(tree)
            self._import_time_names[name] = {
                n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(tree)
                if isinstance(n, ast.Name | ast.Attribute)}
        return self._import_time_names[name]


def _skeleton(tree: ast.AST) -> ast.AST:
    """`tree` with every function body emptied: what runs when the module is imported."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.body = [ast.Pass()]
    return tree


def _function_codes(code: types.CodeType) -> dict[str, list[types.CodeType]]:
    """Qualified name → the code objects of the functions defined by `code` outside other
    functions (module level, and methods of classes at any depth)."""
    found: dict[str, list[types.CodeType]] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_flags & _CO_OPTIMIZED:
                found.setdefault(const.co_qualname, []).append(const)
            else:  # a class body
                for key, codes in _function_codes(const).items():
                    found.setdefault(key, []).extend(codes)
    return found


def _live_functions(module: types.ModuleType) -> dict[str, list[types.FunctionType]]:
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
        elif isinstance(value, types.FunctionType):
            if value.__module__ == module.__name__:
                found.setdefault(value.__qualname__, []).append(value)
        wrapped = getattr(value, "__wrapped__", None) if not isinstance(value, type) else None
        if wrapped is not None:
            add(wrapped, depth + 1)

    for value in list(vars(module).values()):
        add(value, 0)
    return found


def _swap(repo: _Repository, patched: dict[str, str]) -> str | None:
    """Give each changed function its new code; None when done, else why it is not sound
    (nothing is changed then)."""
    if not hasattr(types.CodeType, "co_qualname"):
        return "this Python has no qualified names on code objects"
    by_path = {path: name for name, path in repo.files.items()}
    swaps: list[tuple[types.FunctionType, types.CodeType]] = []
    changed_names: set[str] = set()
    for path, text in patched.items():
        name = by_path.get(path)
        module = sys.modules.get(name or "")
        if name is None or module is None:
            return f"{path} is not an imported module"
        try:
            old_tree, new_tree = ast.parse(repo.texts[name]), ast.parse(text)
            old_code = compile(repo.texts[name], path, "exec", dont_inherit=True)
            new_code = compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return f"{path} does not compile ({exc})"
        if ast.dump(_skeleton(old_tree)) != ast.dump(_skeleton(new_tree)):
            return f"{path}: code outside function bodies changes"
        old_functions, new_functions = _function_codes(old_code), _function_codes(new_code)
        live = _live_functions(module)
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
    for function, code in swaps:
        function.__code__ = code
    return None


class _Collector:
    """A pytest plugin that keeps each test's outcome and failure text."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, str]] = {}

    def _record(self, nodeid: str, outcome: str, message: str) -> None:
        rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
        previous = self.tests.get(nodeid)
        if previous is None or rank[outcome] > rank[previous["outcome"]]:
            self.tests[nodeid] = {"nodeid": nodeid, "outcome": outcome,
                                  "message": message[-MESSAGE_CHARS:]}

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.passed and report.when != "call":
            self._record(report.nodeid, "passed", "")
            return
        outcome = "skipped" if report.skipped else (
            "failed" if report.when == "call" else "error") if report.failed else "passed"
        message = str(report.longrepr) if report.failed else ""
        self._record(report.nodeid, outcome, message)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self._record(report.nodeid or "<collection>", "error", str(report.longrepr))


def _selected(items: list[Any], tests: list[str]) -> list[Any] | None:
    """The collected items the asked ids name, in the asked order; None when one names none."""
    if not tests:
        return list(items)
    chosen: dict[int, Any] = {}
    for wanted in tests:
        found = [item for item in items
                 if item.nodeid == wanted or item.nodeid.startswith(wanted + "::")]
        if not found:
            return None
        for item in found:
            chosen.setdefault(id(item), item)
    return list(chosen.values())


def _plugin_options(tests: list[str]) -> tuple[list[str] | None, list[str]]:
    """`-p NAME` options (plugins to load) and the test ids; None for plugins when another
    option is asked (which only a fresh session can take)."""
    plugins: list[str] = []
    ids: list[str] = []
    rest = iter(tests)
    for arg in rest:
        if arg == "-p":
            name = next(rest, "")
            if not name or name.startswith("no:"):
                return None, tests
            plugins.append(name)
        elif arg.startswith("-"):
            return None, tests
        else:
            ids.append(arg)
    return plugins, ids


class _Server:
    """A pytest plugin: once the session has collected, it serves requests instead of running
    the tests (pytest's own run loop never runs in the worker)."""

    def __init__(self, root: str, channel: str, scope: list[str]) -> None:
        self.root, self.channel, self.scope = root, channel, scope
        self.collector = _Collector()

    def pytest_runtestloop(self, session: Any) -> bool:
        # What a fresh session in a child imports beyond this one (plugins' lazy imports at
        # session end, say) is imported here, once, by a dry collection.
        import pytest

        with contextlib.suppress(BaseException):
            pytest.main([*_BASE_ARGS, "--collect-only", *self.scope])
        repo = _Repository(self.root)
        broken_at_base = bool(self.collector.tests)  # collection errors
        gc.freeze()  # what is loaded now is never collected: cheap collections in children
        answers = open(os.path.join(self.channel, CHANNEL_OUT), "w")  # noqa: SIM115
        requests = open(os.path.join(self.channel, CHANNEL_IN))  # noqa: SIM115
        answers.write(json.dumps({"ready": True, "preloaded": len(repo.files),
                                  "collected": len(session.items)}) + "\n")
        answers.flush()
        for line in requests:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("quit"):
                break
            plugins, tests = _plugin_options(request.get("tests", []))
            items = (_selected(session.items, tests) if plugins is not None
                     and not (broken_at_base and not tests) else None)
            answers.write(json.dumps(_run(request, lambda fd: self._child(
                repo, request, fd, items, plugins or [], session.config))) + "\n")
            answers.flush()
        return True

    def _child(self, repo: _Repository, request: dict[str, Any], out_fd: int,
               items: list[Any] | None, plugins: list[str], config: Any) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        patched = {os.path.realpath(os.path.join(self.root, p)): text
                   for p, text in request.get("files", {}).items()}
        why = "a test or option outside the session" if items is None else _swap(repo, patched)
        self.collector.tests = {}
        if why is None and items is not None:
            mode = "swap"
            loaded = [importlib.import_module(name) for name in plugins]
            for name, plugin in zip(plugins, loaded, strict=True):
                config.pluginmanager.register(plugin, name)  # its pytest_configure runs
            for i, item in enumerate(items):
                following = items[i + 1] if i + 1 < len(items) else None
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            failed = any(t["outcome"] in ("failed", "error")
                         for t in self.collector.tests.values())
            code = 1 if failed else (0 if items else 5)
            for plugin in loaded:
                if hasattr(plugin, "pytest_unconfigure"):
                    plugin.pytest_unconfigure(config)
        else:
            mode = "session"
            import pytest

            for name in repo.affected(patched):
                sys.modules.pop(name, None)
            sys.meta_path.insert(0, _MemoryFinder(patched))
            try:
                code = int(pytest.main([*_BASE_ARGS, *self.scope, *request.get("tests", [])],
                                       plugins=[self.collector]))
            except BaseException as exc:  # a test calling sys.exit, say
                code = 3
                self.collector._record("<worker>", "error", f"{type(exc).__name__}: {exc}")
        answer = {"exit_code": code, "mode": mode, "why": why or "",
                  "tests": list(self.collector.tests.values())}
        data = (json.dumps(answer) + "\n").encode()
        while data:
            data = data[os.write(out_fd, data):]


def _run(request: dict[str, Any], child: Any) -> dict[str, Any]:
    """`child(fd)` in a forked process that writes its answer to fd, killed at the timeout."""
    started = time.monotonic()
    timeout = float(request.get("timeout", 60))
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            child(write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    data, timed_out = b"", False
    deadline = started + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_fd)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    answer: dict[str, Any] = {"exit_code": None, "tests": []}
    if data.strip():
        with contextlib.suppress(ValueError):
            answer = json.loads(data)
    elif not timed_out:
        answer["tests"] = [{"nodeid": "<worker>", "outcome": "error",
                            "message": f"the test process died (status {status})"}]
    answer.update(id=request.get("id"), timed_out=timed_out,
                  seconds=round(time.monotonic() - started, 4))
    return answer


def main(channel: str, scope: list[str]) -> None:
    """`scope`: the pytest arguments that keep it inside the repository (rootdir, config)."""
    import pytest

    root = os.path.realpath(os.getcwd())
    sys.path.insert(0, root)  # as `python -m pytest` does
    sys.dont_write_bytecode = True
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stderr stays: why a worker died
    server = _Server(root, channel, scope)
    # A broken suite still gets a worker (its collection errors are recorded); its children
    # say why.
    pytest.main([*_BASE_ARGS, *scope], plugins=[server, server.collector])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
