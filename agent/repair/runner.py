"""Running a candidate's tests: in the warm worker (fork per candidate) or, as the fallback and
the baseline of the benchmark, as a fresh `python -m pytest` per candidate.

Both take a candidate as files (path → new text) and a list of pytest node ids (empty: the
whole suite), and answer a TestRun. Neither raises for what the tests do.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from agent.repair import worker, worker_apply, worker_run
from tools.ports import Sandbox, TestCaseResult, TestRun
from tools.sandbox import pytest_scope_args

Batch = tuple[dict[str, str], list[str]]  # a candidate's files and the tests to run
STARTUP_S = 60.0  # importing pytest and the repository, in a sandbox, on a busy machine
PARALLEL = min(2, os.cpu_count() or 1)  # candidates in flight in the warm worker
_WORKER_SOURCE = Path(worker.__file__).read_text()
_APPLY_SOURCE = Path(worker_apply.__file__).read_text()
_RUN_SOURCE = Path(worker_run.__file__).read_text()


class TestRunner(Protocol):
    @property
    def isolation(self) -> str:
        """The walls of the runs, as the sandbox reported them."""
        ...

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun: ...


@contextlib.contextmanager
def written(workdir: Path, files: dict[str, str]) -> Iterator[None]:
    """`files` written into the worktree for the duration, then the originals put back.

    Cached bytecode of each file is removed both ways: a same-size rewrite within the same
    second would otherwise be served from the stale .pyc."""
    originals: dict[Path, str | None] = {}
    for rel, text in files.items():
        target = workdir / rel
        originals[target] = target.read_text() if target.exists() else None
        target.parent.mkdir(parents=True, exist_ok=True)
        _drop_bytecode(target)
        target.write_text(text)
    try:
        yield
    finally:
        for target, original in originals.items():
            _drop_bytecode(target)
            if original is None:
                target.unlink(missing_ok=True)
            else:
                target.write_text(original)


def _drop_bytecode(source: Path) -> None:
    cache = source.parent / "__pycache__"
    if cache.is_dir():
        for pyc in cache.glob(f"{source.stem}.*.pyc"):
            pyc.unlink(missing_ok=True)


class ColdRunner:
    """One sandboxed `python -m pytest` per candidate, on the files written to disk."""

    __test__ = False

    def __init__(self, sandbox: Sandbox, workdir: Path, command: list[str]) -> None:
        self.sandbox, self.workdir, self.command = sandbox, workdir, command
        self.isolation = ""

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun:
        with written(self.workdir, files):
            run = self.sandbox.run(self.workdir, [*self.command, *tests], timeout_s)
        self.isolation = run.isolation
        return run


class WorkerError(RuntimeError):
    pass


class WarmWorker:
    """The worker process in the sandbox, spoken to over two FIFOs in the worktree.

    `session_timeout_s` is the sandbox's wall for the whole session; each request has its
    own timeout, enforced by the worker (which kills the forked child) and again here."""

    __test__ = False

    def __init__(self, sandbox: Sandbox, workdir: Path, python: str = "python",
                 session_timeout_s: float = 900.0, pytest_args: list[str] | None = None,
                 parallel: int = PARALLEL, swap: bool = True, direct: bool = True) -> None:
        self.sandbox, self.workdir, self.parallel = sandbox, workdir, max(1, parallel)
        self.swap = swap  # False: a fresh pytest session per candidate
        self.direct_calls = direct  # False: pytest's run-test protocol for every test
        self.python, self.session_timeout_s = python, session_timeout_s
        self.pytest_args = list(pytest_args or [])
        self.channel = workdir / ".alertfix-worker"
        self.isolation = ""
        self.preloaded = 0
        self.direct = 0
        self.session: TestRun | None = None
        self._thread: threading.Thread | None = None
        self._in_fd: int | None = None
        self._out_fd: int | None = None
        self._buffer = b""
        self._next_id = 0
        # How candidates were applied: "swap" (new code objects, the collected session) or
        # "session" (a fresh pytest session in the child), with why a swap was not sound.
        self.modes: dict[str, int] = {}
        self.why_not_swapped: dict[str, int] = {}
        self.last_why = ""

    # -- lifecycle
    def start(self) -> WarmWorker:
        shutil.rmtree(self.channel, ignore_errors=True)
        self.channel.mkdir()
        (self.channel / worker.APPLY).write_text(_APPLY_SOURCE)
        (self.channel / worker.RUN).write_text(_RUN_SOURCE)
        os.mkfifo(self.channel / worker.CHANNEL_IN)
        os.mkfifo(self.channel / worker.CHANNEL_OUT)
        self._out_fd = os.open(self.channel / worker.CHANNEL_OUT, os.O_RDONLY | os.O_NONBLOCK)
        command = [self.python, "-c", _WORKER_SOURCE, str(self.channel), str(self.parallel),
                   *pytest_scope_args(self.workdir), *self.pytest_args]
        self._thread = threading.Thread(target=self._serve, args=(command,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_S
        while self._in_fd is None:
            try:
                self._in_fd = os.open(self.channel / worker.CHANNEL_IN,
                                      os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise WorkerError(f"cannot open the worker channel: {exc}") from exc
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise WorkerError(self._why_dead("the worker did not start")) from None
                time.sleep(0.01)
        os.set_blocking(self._in_fd, True)
        hello = self._read_answer(deadline)
        self.preloaded = int(hello.get("preloaded", 0))
        self.direct = int(hello.get("direct", 0))  # tests a child may call directly
        return self

    def _serve(self, command: list[str]) -> None:
        self.session = self.sandbox.run(self.workdir, command, self.session_timeout_s)
        self.isolation = self.session.isolation

    def _why_dead(self, what: str) -> str:
        tail = (self.session.output.strip().splitlines()[-3:] if self.session else [])
        return what + (": " + " | ".join(tail) if tail else "")

    def close(self) -> None:
        if self._in_fd is not None:
            with contextlib.suppress(OSError):
                os.write(self._in_fd, b'{"quit": true}\n')
            os.close(self._in_fd)
            self._in_fd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._out_fd is not None:
            os.close(self._out_fd)
            self._out_fd = None
        shutil.rmtree(self.channel, ignore_errors=True)

    def __enter__(self) -> WarmWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests
    def _read_answer(self, deadline: float) -> dict[str, Any]:
        assert self._out_fd is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError("the worker did not answer in time")
            ready, _, _ = select.select([self._out_fd], [], [], min(left, 0.5))
            if not ready:
                if self._thread is not None and not self._thread.is_alive():
                    raise WorkerError(self._why_dead("the worker exited"))
                continue
            chunk = os.read(self._out_fd, 65536)
            if not chunk:
                if self._thread is not None and not self._thread.is_alive():
                    raise WorkerError(self._why_dead("the worker exited"))
                time.sleep(0.01)  # no writer yet
                continue
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun:
        return self.run_many([(files, tests)], timeout_s)[0]

    def run_many(self, batch: list[Batch], timeout_s: float,
                 brief: bool = False) -> list[TestRun]:
        """Each (files, tests) of `batch`, `parallel` at a time; answers in `batch`'s order.
        At most `parallel` + 1 requests are in flight (the worker holds one child ready), as
        many as the worker takes in without answering, so neither FIFO can fill.
        `brief`: a failing test may be described by its crash line only (worker_run.py)."""
        if self._in_fd is None:
            raise WorkerError("the worker is not running")
        waiting = list(enumerate(batch))
        in_flight: dict[int, int] = {}  # request id → index in batch
        runs: dict[int, TestRun] = {}
        while waiting or in_flight:
            while waiting and len(in_flight) < self.parallel + 1:
                index, (files, tests) = waiting.pop(0)
                self._next_id += 1
                request = {"id": self._next_id, "files": files, "tests": tests,
                           "timeout": timeout_s, "fresh": not self.swap, "brief": brief,
                           "direct": self.direct_calls}
                os.write(self._in_fd, (json.dumps(request) + "\n").encode())
                in_flight[self._next_id] = index
            answer = self._read_answer(time.monotonic() + timeout_s + 10.0)
            index = in_flight.pop(int(answer.get("id", -1)))
            runs[index] = self._test_run(answer, batch[index][1])
        return [runs[i] for i in range(len(batch))]

    def covered(self, tests: list[str], timeout_s: float) -> tuple[TestRun, dict[str, Any]]:
        """`tests` at the base, each traced: node id → {"lines": {path: [line, ...]},
        "arcs": {path: [[from, to], ...]}}; empty when the worker could not trace them."""
        if self._in_fd is None:
            raise WorkerError("the worker is not running")
        self._next_id += 1
        request = {"id": self._next_id, "files": {}, "tests": tests, "timeout": timeout_s,
                   "coverage": True}
        os.write(self._in_fd, (json.dumps(request) + "\n").encode())
        answer = self._read_answer(time.monotonic() + timeout_s + 10.0)
        return self._test_run(answer, tests), dict(answer.get("coverage") or {})

    def _test_run(self, answer: dict[str, Any], tests: list[str]) -> TestRun:
        mode = str(answer.get("mode", "session"))
        self.modes[mode] = self.modes.get(mode, 0) + 1
        self.last_why = str(answer.get("why") or "")
        if answer.get("why"):
            why = str(answer["why"])
            self.why_not_swapped[why] = self.why_not_swapped.get(why, 0) + 1
        return TestRun(
            command=["<warm worker>", *tests], exit_code=answer.get("exit_code"),
            timed_out=bool(answer.get("timed_out")), seconds=float(answer.get("seconds", 0)),
            tests=[TestCaseResult(nodeid=t["nodeid"], outcome=t["outcome"],
                                  message=t.get("message", "")) for t in answer.get("tests", [])],
            output="", isolation=self.isolation or "warm-worker")


def run_many(runner: TestRunner, batch: list[Batch], timeout_s: float,
             brief: bool = False) -> list[TestRun]:
    """`batch` on `runner`: in parallel where it can (the warm worker), else one by one.
    `brief`: failures may be described by their crash line only (the warm worker's direct
    calls), where only outcomes matter."""
    many = getattr(runner, "run_many", None)
    if many is not None:
        runs: list[TestRun] = many(batch, timeout_s, brief)
        return runs
    return [runner.run(files, tests, timeout_s) for files, tests in batch]


class FallbackRunner:
    """The warm worker while it lives; if it dies mid-search, a test process per candidate
    for the rest, so one broken worker costs speed, not the incident."""

    __test__ = False

    def __init__(self, primary: TestRunner, fallback: TestRunner, notes: list[str]) -> None:
        self.primary: TestRunner | None = primary
        self.fallback, self.notes = fallback, notes

    @property
    def isolation(self) -> str:
        return self.primary.isolation if self.primary is not None else self.fallback.isolation

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun:
        return self.run_many([(files, tests)], timeout_s)[0]

    def run_many(self, batch: list[Batch], timeout_s: float,
                 brief: bool = False) -> list[TestRun]:
        if self.primary is not None:
            try:
                return run_many(self.primary, batch, timeout_s, brief)
            except (WorkerError, OSError, ValueError, KeyError) as exc:
                self.notes.append(f"warm worker lost ({exc}); one test process per candidate "
                                  "from here on")
                self.primary = None
        return run_many(self.fallback, batch, timeout_s)
