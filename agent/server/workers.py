"""Acknowledge first, work after: the queue between the handlers and the Dispatcher.

`ThreadWorker` runs the Dispatcher on a thread of the server process (tests, embedded use).
`ProcessWorker` runs it in a child process at a lower CPU priority, so that running
incidents never holds the GIL or the CPU the event loop needs to acknowledge (`serve`).
Both drop retries of a recent delivery id before queueing; the Dispatcher drops the older
ones it finds in its database.
"""

from __future__ import annotations

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


class Worker:
    def __init__(self, stats: Stats, remembered: int = 100_000) -> None:
        self.stats = stats
        self.accepted = 0
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    def _put(self, item: Item) -> None:
        raise NotImplementedError

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

    def close(self) -> None:
        raise NotImplementedError


def work(dispatcher: Dispatcher, jobs: Any, tick_interval_s: float,
         alive: Callable[[], bool] = lambda: True) -> None:
    """The worker loop: jobs in order, and the verification timer between them."""
    last_tick = time.monotonic()
    while alive():
        try:
            item = jobs.get(timeout=min(1.0, tick_interval_s))
        except queue.Empty:
            item = ()
        if item is None:
            return
        if item:
            dispatcher.process(*item)
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


class ProcessWorker(Worker):
    def __init__(self, settings: Settings, niceness: int = 10, max_queue: int = 100_000,
                 tick_interval_s: float = TICK_INTERVAL_S) -> None:
        super().__init__(Stats())
        context = mp.get_context("spawn")  # no forked copies of the server's threads
        self._queue: Any = context.Queue(max_queue)
        self._process = context.Process(
            target=run_worker_process, name="alertfix-worker",
            args=(settings, self._queue, self.stats, niceness, tick_interval_s, os.getpid()))
        self._process.start()

    def _put(self, item: Item) -> None:
        self._queue.put_nowait(item)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        self._queue.put(None)
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)


def run_worker_process(settings: Settings, jobs: Any, stats: Stats, niceness: int,
                       tick_interval_s: float, parent: int) -> None:
    """The worker process: the Dispatcher over the queue until told to stop or orphaned."""
    os.nice(niceness)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    dispatcher = Dispatcher.from_settings(settings, stats)
    work(dispatcher, jobs, tick_interval_s, alive=lambda: os.getppid() == parent)
    if os.getppid() != parent:
        log.warning("the server process is gone: the worker stops")
