"""The warm worker: one interpreter with pytest and the repository's modules imported, that
forks once per candidate and runs the asked tests in the child.

It runs inside the sandbox (`python -c <this file's text> <channel dir> [<pytest option>...]`),
in the worktree, on the repository environment's interpreter and pytest, and needs only the
standard library and that pytest. The options are those of the repository's test command
that decide what is collected (a service's `-c`, `--rootdir`, `-o testpaths=...`). Requests
and answers are JSON lines over two FIFOs in the channel directory (the worktree is the one
place both sides can write):

    request  {"id": 1, "files": {"shop/cart.py": "<new text>"}, "tests": [...], "timeout": 5}
    answer   {"id": 1, "exit_code": 0, "timed_out": false, "seconds": 0.04,
              "tests": [{"nodeid": "...", "outcome": "passed", "message": ""}]}

A candidate's files are served to the child's imports from memory (a meta-path finder), so
the worktree on disk never changes and no stale bytecode can be picked up; the child drops
the repository modules the patch affects before pytest imports the tests. An empty `tests`
list runs the whole suite. `{"quit": true}` ends the worker.
"""

from __future__ import annotations

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
from typing import Any

CHANNEL_IN, CHANNEL_OUT = "in.fifo", "out.fifo"
MESSAGE_CHARS = 1500


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


def _repo_modules(root: str) -> dict[str, str]:
    """Imported modules whose file is in the worktree: name → file."""
    found = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path and os.path.realpath(path).startswith(root + os.sep):
            found[name] = os.path.realpath(path)
    return found


def _affected(root: str, patched: dict[str, str]) -> list[str]:
    """Repository modules to drop: the patched ones, and every module whose text names a
    dropped one (to a fixpoint), so no kept module holds a function of the old version."""
    modules = _repo_modules(root)
    texts: dict[str, str] = {}
    for name, path in modules.items():
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                texts[name] = f.read()
        except OSError:
            texts[name] = ""
    words = {os.path.relpath(p, root)[:-3].replace(os.sep, ".").removesuffix(".__init__")
             .split(".")[-1] for p in patched}
    drop = {name for name, path in modules.items() if path in patched}
    while True:
        more = {name for name, text in texts.items()
                if name not in drop and any(word in text for word in words)}
        if not more:
            return sorted(drop)
        drop |= more
        words |= {name.split(".")[-1] for name in more}


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


def _child(root: str, request: dict[str, Any], out_fd: int, scope: list[str]) -> None:
    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    patched = {os.path.realpath(os.path.join(root, p)): text
               for p, text in request.get("files", {}).items()}
    for name in _affected(root, patched):
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, _MemoryFinder(patched))
    collector = _Collector()
    args = ["-q", "--tb=line", "-p", "no:cacheprovider", "-p", "no:randomly", *scope,
            *request.get("tests", [])]
    try:
        code = int(pytest.main(args, plugins=[collector]))
    except BaseException as exc:  # a test calling sys.exit, say
        code = 3
        collector._record("<worker>", "error", f"{type(exc).__name__}: {exc}")
    answer = {"exit_code": code, "tests": list(collector.tests.values())}
    data = (json.dumps(answer) + "\n").encode()
    while data:
        data = data[os.write(out_fd, data):]


def _run(root: str, request: dict[str, Any], scope: list[str]) -> dict[str, Any]:
    started = time.monotonic()
    timeout = float(request.get("timeout", 60))
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(root, request, write_fd, scope)
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


def _preload(root: str, scope: list[str]) -> int:
    """Import pytest, its plugins and the repository's modules and tests once, here, so each
    forked child starts with them in memory: a dry collection does all three."""
    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1), os.dup(2)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-p", "no:randomly",
                     *scope])
    except BaseException:  # a broken suite still gets a worker; its children will say why
        pass
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(devnull)
    return len(_repo_modules(root))


def main(channel: str, scope: list[str]) -> None:
    """`scope`: the pytest arguments that keep it inside the repository (rootdir, config)."""
    root = os.path.realpath(os.getcwd())
    sys.path.insert(0, root)  # as `python -m pytest` does
    sys.dont_write_bytecode = True
    preloaded = _preload(root, scope)
    gc.freeze()  # what is loaded now is never collected: cheap collections in every child
    answers = open(os.path.join(channel, CHANNEL_OUT), "w")  # noqa: SIM115
    requests = open(os.path.join(channel, CHANNEL_IN))  # noqa: SIM115
    answers.write(json.dumps({"ready": True, "preloaded": preloaded}) + "\n")
    answers.flush()
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("quit"):
            break
        answers.write(json.dumps(_run(root, request, scope)) + "\n")
        answers.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
