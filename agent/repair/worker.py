"""The warm worker: one interpreter that holds a pytest session with the repository's tests
collected (so its modules and test modules are imported once), and forks a child per
candidate to run the asked tests, `parallel` children at a time.

It runs inside the sandbox (`python -c <this file's text> <channel dir> <parallel>
[<pytest option>...]`), in the worktree, on the repository environment's interpreter and
pytest, and needs only the standard library and that pytest. The options are those of the
repository's test command that decide what is collected (a service's `-c`, `--rootdir`,
`-o testpaths=...`). Requests and answers are JSON lines over two FIFOs in the channel
directory (the worktree is the one place both sides can write); answers come as children end:

    request  {"id": 1, "files": {"shop/cart.py": "<new text>"}, "tests": [...], "timeout": 5,
              "brief": true, "direct": true}
    answer   {"id": 1, "exit_code": 0, "timed_out": false, "seconds": 0.04, "mode": "swap",
              "why": "", "tests": [{"nodeid": "...", "outcome": "passed", "message": ""}],
              "coverage": {}}

With `"brief": true`, a failing test run by a direct call (worker_run.py) is described by its
crash line only, not pytest's whole report. With `"coverage": true` (and a swap), "coverage"
maps each test's node id to the lines and arcs it executed in the repository's files
(worker_apply.Spectrum).

The child applies the candidate (worker_apply.py, written into the channel by the host) one
of two ways, the worktree on disk untouched either way:

- "swap": the changed functions get new code objects, and the asked tests run from the
  session's collected items (no new session): through pytest's run-test protocol, or by a
  direct call where worker_run.py finds that sound, no plugin is asked and the request does
  not say `"direct": false`. `-p NAME` options among the tests load those plugins into the
  session.
- "session" (when a swap is not sound, a test id was not collected, another option is asked,
  the base had collection errors and the whole suite is asked, or the request says
  `"fresh": true`): the affected modules are imported afresh and a new `pytest.main` runs;
  "why" says what ruled the swap out.

An empty `tests` list runs the whole suite. `{"quit": true}` ends the worker.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import inspect
import json
import os
import select
import signal
import sys
import time
from typing import Any

CHANNEL_IN, CHANNEL_OUT = "in.fifo", "out.fifo"
MESSAGE_CHARS = 1500
_BASE_ARGS = ["-q", "--tb=line", "-p", "no:cacheprovider", "-p", "no:randomly"]
APPLY = "apply.py"  # worker_apply.py's text, written into the channel by the host
RUN = "run.py"  # worker_run.py's text, likewise


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

    def __init__(self, root: str, channel: str, scope: list[str], parallel: int) -> None:
        self.root, self.channel, self.scope, self.parallel = root, channel, scope, parallel
        self.apply = _load(os.path.join(channel, APPLY), "_alertfix_worker_apply")
        self.run = _load(os.path.join(channel, RUN), "_alertfix_worker_run")
        self.direct_ids: set[str] = set()  # node ids a child may run by a direct call
        self.broken_at_base = False
        self.sessions_ready = False
        self.collector = _Collector()

    def pytest_runtestloop(self, session: Any) -> bool:
        # A failure report looks its source up through inspect's module-by-file cache, which
        # is built by a scan of every module: scanned once here, not in every failing child.
        inspect.getmodule(compile("", os.path.join(self.root, "<alertfix>"), "exec"))
        repo = self.apply.Repository(self.root)
        self.broken_at_base = bool(self.collector.tests)  # collection errors
        self.direct_ids = self.run.direct_items(session.items, session.config,
                                            (self, self.collector))
        gc.freeze()  # what is loaded now is never collected: cheap collections in children
        answers = open(os.path.join(self.channel, CHANNEL_OUT), "w")  # noqa: SIM115
        requests = os.open(os.path.join(self.channel, CHANNEL_IN), os.O_RDONLY)
        answers.write(json.dumps({"ready": True, "preloaded": len(repo.files),
                                  "collected": len(session.items),
                                  "direct": len(self.direct_ids)}) + "\n")
        answers.flush()
        children = _Children(self.parallel)
        pending, closed = b"", False
        while not closed or children.running:
            while b"\n" in pending and len(children.running) < children.capacity:
                line, pending = pending.split(b"\n", 1)
                if not line.strip():
                    continue
                request = json.loads(line)
                if request.get("quit"):
                    closed, pending = True, b""
                    break
                children.start(request, self._child_for(repo, request, session))
            listen = not closed and len(children.running) < children.capacity
            if listen and b"\n" not in pending and children.wait(requests):
                chunk = os.read(requests, 65536)
                closed = not chunk
                pending += chunk
            elif not listen and children.running:
                children.wait(None)
            for answer in children.finished():
                answers.write(json.dumps(answer) + "\n")
                answers.flush()
        return True

    def _child_for(self, repo: Any, request: dict[str, Any], session: Any) -> Any:
        """What the child will do, decided here before the fork (the plan is cheap, and a
        fresh session's one-time imports then happen once, here)."""
        plugins, tests = _plugin_options(request.get("tests", []))
        items = (_selected(session.items, tests) if plugins is not None
                 and not request.get("fresh") and not (self.broken_at_base and not tests)
                 else None)
        patched = {os.path.realpath(os.path.join(self.root, p)): text
                   for p, text in request.get("files", {}).items()}
        plan = ("a fresh session was asked for" if request.get("fresh")
                else "a test or option outside the session" if items is None
                else self.apply.plan_swap(repo, patched))
        if isinstance(plan, str):
            self._ready_for_sessions()
        # Said in the answer even when the child is killed or dies.
        request["mode"], request["why"] = ("session", plan) if isinstance(plan, str) \
            else ("swap", "")
        return lambda fd: self._child(repo, request, fd, items, plugins or [], session.config,
                                      patched, plan)

    def _ready_for_sessions(self) -> None:
        """What a fresh session in a child imports beyond this one (plugins' lazy imports at
        session end, say) is imported here, once, by a dry collection."""
        if not self.sessions_ready:
            import pytest

            with contextlib.suppress(BaseException):
                pytest.main([*_BASE_ARGS, "--collect-only", *self.scope])
            self.sessions_ready = True
            gc.freeze()

    def _child(self, repo: Any, request: dict[str, Any], out_fd: int,
               items: list[Any] | None, plugins: list[str], config: Any,
               patched: dict[str, str], plan: Any) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        why = plan if isinstance(plan, str) else None
        if why is None:
            self.apply.apply_swaps(plan)
        self.collector.tests = {}
        covered: dict[str, Any] = {}  # node id → what it executed, when asked
        if why is None and items is not None:
            mode = "swap"
            loaded = [importlib.import_module(name) for name in plugins]
            direct = not loaded and request.get("direct", True)
            for name, plugin in zip(plugins, loaded, strict=True):
                config.pluginmanager.register(plugin, name)  # its pytest_configure runs
            spectrum = (self.apply.Spectrum(self.root, self.channel)
                        if request.get("coverage") else None)
            for i, item in enumerate(items):
                following = items[i + 1] if i + 1 < len(items) else None
                if spectrum is not None:
                    spectrum.start()
                if direct and item.nodeid in self.direct_ids:
                    self.collector._record(item.nodeid, *self.run.run_direct(
                        item, bool(request.get("brief"))))
                else:
                    item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
                if spectrum is not None:
                    covered[item.nodeid] = spectrum.stop()
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
            sys.meta_path.insert(0, self.apply.MemoryFinder(patched))
            try:
                code = int(pytest.main([*_BASE_ARGS, *self.scope, *request.get("tests", [])],
                                       plugins=[self.collector]))
            except BaseException as exc:  # a test calling sys.exit, say
                code = 3
                self.collector._record("<worker>", "error", f"{type(exc).__name__}: {exc}")
        answer = {"exit_code": code, "mode": mode, "why": why or "",
                  "tests": list(self.collector.tests.values()), "coverage": covered}
        data = (json.dumps(answer) + "\n").encode()
        while data:
            data = data[os.write(out_fd, data):]


class _Children:
    """The forked children running requests, at most `parallel` at a time, each killed at its
    request's timeout; answers come out as each child ends.

    One more child may be forked, with its plan made, while `parallel` run: it is held on a
    pipe until one of them ends, so planning and forking the next candidate (the worker's own
    cost per candidate) overlap the tests of the current one. Each child still runs one
    candidate, from the worker's state as it was when it was forked."""

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel
        self.capacity = parallel + 1  # running and held
        self.running: dict[int, dict[str, Any]] = {}  # read fd → its child's state
        self._done: list[dict[str, Any]] = []

    def start(self, request: dict[str, Any], child: Any) -> None:
        read_fd, write_fd = os.pipe()
        hold = sum(1 for s in self.running.values() if s["go"] is None) >= self.parallel
        go_read, go_write = os.pipe() if hold else (-1, -1)
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                if not hold or os.read(go_read, 1):  # nothing read: the worker is gone
                    child(write_fd)
            finally:
                os._exit(0)
        os.close(write_fd)
        if hold:
            os.close(go_read)
        self.running[read_fd] = {"pid": pid, "request": request, "data": b"",
                                 "go": go_write if hold else None}
        if not hold:
            self._started(self.running[read_fd])

    def _started(self, state: dict[str, Any]) -> None:
        state["go"], state["started"] = None, time.monotonic()
        state["deadline"] = state["started"] + float(state["request"].get("timeout", 60))

    def _release(self) -> None:
        """The held child, if any, starts (a running one has ended)."""
        for state in self.running.values():
            if state["go"] is not None:
                os.write(state["go"], b"g")
                os.close(state["go"])
                self._started(state)
                return

    def wait(self, requests_fd: int | None) -> bool:
        """Read what the children wrote until one ends, one times out or (given its fd) a
        request arrives; True when a request can be read."""
        while True:
            now = time.monotonic()
            for fd, state in list(self.running.items()):
                if state["go"] is None and now >= state["deadline"]:
                    self._end(fd, timed_out=True)
            if self._done:
                return False
            fds = [*self.running, *([requests_fd] if requests_fd is not None else [])]
            left = min((s["deadline"] for s in self.running.values() if s["go"] is None),
                       default=now + 3600) - now
            ready, _, _ = select.select(fds, [], [], max(0.0, left))
            for fd in ready:
                if fd == requests_fd:
                    continue
                chunk = os.read(fd, 65536)
                if chunk:
                    self.running[fd]["data"] += chunk
                else:
                    self._end(fd, timed_out=False)
            if requests_fd in ready:
                return True

    def finished(self) -> list[dict[str, Any]]:
        done, self._done = self._done, []
        return done

    def _end(self, fd: int, timed_out: bool) -> None:
        state = self.running.pop(fd)
        os.close(fd)
        if state["go"] is not None:  # a held child that died unreleased
            os.close(state["go"])
            self._started(state)
        self._release()
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.kill(state["pid"], signal.SIGKILL)
        _, status = os.waitpid(state["pid"], 0)
        answer: dict[str, Any] = {"exit_code": None, "tests": []}
        if state["data"].strip():
            with contextlib.suppress(ValueError):
                answer = json.loads(state["data"])
        elif not timed_out:
            answer["tests"] = [{"nodeid": "<worker>", "outcome": "error",
                                "message": f"the test process died (status {status})"}]
        answer.setdefault("mode", state["request"]["mode"])
        answer.setdefault("why", state["request"]["why"])
        answer.update(id=state["request"].get("id"), timed_out=timed_out,
                      seconds=round(time.monotonic() - state["started"], 4))
        self._done.append(answer)


def _load(path: str, name: str) -> Any:
    """A helper module (worker_apply.py, worker_run.py) from the file the host wrote (not on
    sys.path, not a repository module)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(channel: str, parallel: int, scope: list[str]) -> None:
    """`parallel`: children at most at a time; `scope`: the pytest arguments that keep it
    inside the repository (rootdir, config)."""
    import pytest

    root = os.path.realpath(os.getcwd())
    sys.path.insert(0, root)  # as `python -m pytest` does
    sys.dont_write_bytecode = True
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stderr stays: why a worker died
    server = _Server(root, channel, scope, parallel)
    # A broken suite still gets a worker (its collection errors are recorded); its children
    # say why.
    pytest.main([*_BASE_ARGS, *scope], plugins=[server, server.collector])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
