"""Acknowledge after recording, work after: the queues between the store and the Dispatcher.

A delivery is recorded in the store before the 202; the queue carries only its id. Two
queues run the same Dispatcher over the same store:

    EmbeddedQueue   a thread of this process (the default: no broker)
    CeleryQueue     Celery on ALERTFIX_BROKER_URL; `alertfix worker` runs the tasks
                    (agent/server/tasks.py), on as many machines as you like

Either may lose what it holds (a crash, a broker restart): the store still lists the
delivery as pending, and the timer queues it again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Protocol

from agent.incidents.service import IncidentService
from agent.server.dispatcher import Dispatcher, WriteCheck
from agent.settings import Settings

log = logging.getLogger("alertfix.server")
TICK_INTERVAL_S = 30.0  # how often the timers (windows, retries, dead workers) are checked
DEFER_S = 1.0  # how long a deferred task (its incident leased elsewhere) waits in process


class WorkQueue(Protocol):
    def submit(self, kind: str, key: str, resume: str | None = None) -> None:
        """Queue a task: ("delivery", delivery id) or ("advance", incident id, resume)."""
        ...

    def close(self) -> None: ...


Task = tuple[str, str, str | None]


class EmbeddedQueue:
    """Tasks run one at a time on a thread of this process, with the timers between them."""

    def __init__(self, settings: Settings, service: IncidentService | None = None, *,
                 can_write: WriteCheck | None = None,
                 tick_interval_s: float = TICK_INTERVAL_S) -> None:
        self.dispatcher = Dispatcher.from_settings(settings, self.submit, service, can_write)
        self.store = self.dispatcher.store
        self._tasks: queue.Queue[Task | None] = queue.Queue()
        self._interval = tick_interval_s
        self._busy = 0
        self._thread = threading.Thread(target=self._loop, name="alertfix-queue", daemon=True)
        self._thread.start()
        for delivery_id in self.store.pending_deliveries():  # left by a previous process
            self.submit("delivery", delivery_id)

    def submit(self, kind: str, key: str, resume: str | None = None) -> None:
        self._tasks.put((kind, key, resume))

    def _run(self, task: Task) -> None:
        kind, key, resume = task
        done = (self.dispatcher.run_delivery(key) if kind == "delivery"
                else self.dispatcher.run_advance(key, resume))
        if not done:
            threading.Timer(DEFER_S, self._tasks.put, (task,)).start()

    def _loop(self) -> None:
        last_tick = time.monotonic()
        while True:
            try:
                task = self._tasks.get(timeout=min(1.0, self._interval))
            except queue.Empty:
                task = ("", "", None)
            if task is None:
                return
            if task[0]:
                self._busy = 1
                try:
                    self._run(task)
                finally:
                    self._busy = 0
            if time.monotonic() - last_tick >= self._interval:
                self.dispatcher.tick(self.dispatcher.settings.redeliver_after_s)
                last_tick = time.monotonic()

    @property
    def backlog(self) -> int:
        return self._tasks.qsize() + self._busy

    def drain(self, timeout_s: float) -> bool:
        """Wait until nothing is queued, running or pending in the store; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self.backlog or self.store.delivery_counts().get("pending", 0):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        self._tasks.put(None)
        self._thread.join(timeout=60)


class CeleryQueue:
    """Tasks go to the broker; `alertfix worker` processes run them."""

    def __init__(self, settings: Settings) -> None:
        from agent.server.tasks import configure

        self.app = configure(settings)

    def submit(self, kind: str, key: str, resume: str | None = None) -> None:
        try:
            if kind == "delivery":
                self.app.send_task("alertfix.delivery", args=[key])
            else:
                self.app.send_task("alertfix.advance", args=[key, resume])
        except Exception as exc:  # recorded in the store: the timer queues it again
            log.warning("broker unreachable (%s): %s %s stays pending", type(exc).__name__,
                        kind, key[:60])

    def close(self) -> None:
        self.app.close()
