"""Acknowledge first, work after: the queue between the handlers and the Dispatcher.

`ThreadWorker` runs the Dispatcher on a thread of the server process (tests, embedded use).
`ProcessWorker` runs it in a child process at a lower CPU priority, so that running
incidents never holds the GIL or the CPU the event loop needs to acknowledge (`serve`).
Both drop retries of a recent delivery id before queueing; the Dispatcher drops the older
ones it finds in its database.
"""

from __future__ import annotations

import abc
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from agent.server.dispatcher import Dispatcher, Job, Stats
from agent.settings import Settings

log = logging.getLogger("alertfix.server")
Item = tuple[str, Job] | None
TICK_INTERVAL_S = 30.0  # how often waits on a verification window are checked


class QueueFull(RuntimeError):
    """The backlog is at its limit: answer 503 so that the sender retries later."""


class Worker(abc.ABC):
    """Accepts jobs once per delivery id; subclasses decide where the work runs."""

    def __init__(self, stats: Stats, remembered: int = 100_000) -> None:
        self.stats = stats
        self.accepted = 0
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    @abc.abstractmethod
    def _put(self, item: Item) -> None: ...

    def submit(self, delivery: str, job: Job) -> bool:
        """Queue a job once per delivery id: False for a retry of one already accepted.
        QueueFull when the backlog is at its limit (the delivery is not remembered)."""
        with self._lock:
            if delivery in self._recent:
                return False
            try:
                self._put((delivery, job))
            except queue.Full:
                raise QueueFull("the work queue is full") from None
            self._recent[delivery] = None
            if len(self._recent) > self._remembered:
                self._recent.popitem(last=False)
            self.accepted += 1
        return True

    @property
    def backlog(self) -> int:
        """Accepted and not yet worked on."""
        return self.accepted - self.stats.done

    def drain(self, timeout_s: float) -> bool:
        """Wait until every accepted job has been worked on; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self.backlog > 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    @abc.abstractmethod
    def close(self) -> None: ...


def work(dispatcher: Dispatcher, jobs: Any, tick_interval_s: float,
         alive: Callable[[], bool] = lambda: True) -> None:
    """The worker loop: jobs (one, or a batch in a list) in order, and the verification
    timer between them. `jobs.get(timeout=)` raises queue.Empty when there is nothing."""
    last_tick = time.monotonic()
    while alive():
        try:
            item = jobs.get(timeout=min(1.0, tick_interval_s))
        except queue.Empty:
            item = []
        if item is None:
            return
        for delivery, job in item if isinstance(item, list) else [item]:
            dispatcher.process(delivery, job)
        if time.monotonic() - last_tick >= tick_interval_s:
            dispatcher.tick()
            last_tick = time.monotonic()


class ThreadWorker(Worker):
    def __init__(self, dispatcher: Dispatcher, max_queue: int = 100_000,
                 tick_interval_s: float = TICK_INTERVAL_S) -> None:
        super().__init__(dispatcher.stats)
        self.dispatcher = dispatcher
        self._queue: queue.Queue[Item] = queue.Queue(max_queue)
        self._thread = threading.Thread(target=work, name="alertfix-worker", daemon=True,
                                        args=(dispatcher, self._queue, tick_interval_s))
        self._thread.start()

    def _put(self, item: Item) -> None:
        self._queue.put_nowait(item)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)


class _Pipe:
    """The worker's end of the pipe, read like a queue."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def get(self, timeout: float) -> Any:
        if not self.connection.poll(timeout):
            raise queue.Empty
        try:
            return self.connection.recv()
        except EOFError:
            return None  # the server closed its end


class ProcessWorker(Worker):
    """Jobs go to the worker process in batches over a pipe: the handlers only append to a
    list, and one flusher thread pickles and writes whatever gathered in a couple of
    milliseconds. A job per write would wake a thread per delivery, and a write straight
    from the event loop would block it whenever the busy worker lets the pipe fill."""

    GATHER_S = 0.002

    def __init__(self, settings: Settings, niceness: int = 10, max_queue: int = 100_000,
                 tick_interval_s: float = TICK_INTERVAL_S) -> None:
        super().__init__(Stats())
        self._max_queue = max_queue
        self._pending: list[tuple[str, Job]] = []
        self._closing = False
        self._wake = threading.Condition()
        context = mp.get_context("spawn")  # no forked copies of the server's threads
        reader, self._writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=run_worker_process, name="alertfix-worker",
            args=(settings, reader, self.stats, niceness, tick_interval_s, os.getpid()))
        self._process.start()
        reader.close()
        self._flusher = threading.Thread(target=self._flush, name="alertfix-flusher",
                                         daemon=True)
        self._flusher.start()

    def _put(self, item: Item) -> None:
        if item is None or self.backlog >= self._max_queue:
            raise queue.Full
        with self._wake:
            self._pending.append(item)
            if len(self._pending) == 1:
                self._wake.notify()

    def _flush(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                closing = self._closing
            time.sleep(0 if closing else self.GATHER_S)
            with self._wake:
                batch, self._pending = self._pending, []
            try:
                if batch:
                    self._writer.send(batch)
                if closing:
                    self._writer.send(None)
                    return
            except OSError:  # the worker process is gone
                log.error("the worker process is gone: %d job(s) not delivered", len(batch))
                return

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._flusher.join(timeout=10)
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._writer.close()


def run_worker_process(settings: Settings, jobs: Any, stats: Stats, niceness: int,
                       tick_interval_s: float, parent: int) -> None:
    """The worker process: the Dispatcher over the queue until told to stop or orphaned."""
    os.nice(niceness)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    dispatcher = Dispatcher.from_settings(settings, stats)
    work(dispatcher, _Pipe(jobs), tick_interval_s, alive=lambda: os.getppid() == parent)
    if os.getppid() != parent:
        log.warning("the server process is gone: the worker stops")
