"""Graph compilation and the checkpointer (SQLite embedded, Postgres for scale-out), and the
embedded in-process queue that runs deliveries without a broker.

The incident lifecycle itself is agent/incidents/; this module only gives it a compiled
graph per call and a place to run queued work.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph

from agent.graph import build_graph
from agent.incidents.store import is_postgres
from agent.settings import Settings
from agent.state import STATE_MODELS

log = logging.getLogger("alertfix.runtime")


def serializer() -> JsonPlusSerializer:
    """Checkpoint (de)serialisation limited to alertfix's own state models."""
    allowed = [(m.__module__, m.__name__) for m in STATE_MODELS]
    allowed.append(("tools.ports", "TicketStatus"))
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


_setup_done: set[str] = set()


@contextlib.contextmanager
def checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver[Any]]:
    if is_postgres(settings.database_url):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        url = settings.database_url
        assert url
        with Connection.connect(url, autocommit=True, prepare_threshold=0,
                                row_factory=dict_row) as pg:
            saver = PostgresSaver(pg, serde=serializer())
            if url not in _setup_done:  # idempotent; once per process is enough
                saver.setup()
                _setup_done.add(url)
            yield saver
    else:
        lite = sqlite3.connect(settings.state_path, check_same_thread=False, timeout=60)
        try:
            yield SqliteSaver(lite, serde=serializer())
        finally:
            lite.close()


@contextlib.contextmanager
def compiled_graph(settings: Settings) -> Iterator[CompiledStateGraph[Any, Any, Any, Any]]:
    with checkpointer(settings) as saver:
        yield build_graph().compile(checkpointer=saver)


def thread(incident_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": incident_id}}


class InProcessQueue:
    """The embedded queue: delivery ids run one at a time on a thread of this process, over
    the same store a Celery worker would read. The store is the durable record: a delivery
    queued here and lost with the process is found again by `pending` at the next start."""

    def __init__(self, run: Callable[[str], None], tick: Callable[[], None],
                 tick_interval_s: float) -> None:
        self._run = run
        self._tick = tick
        self._interval = tick_interval_s
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="alertfix-queue", daemon=True)
        self._thread.start()

    def submit(self, delivery_id: str) -> None:
        self._queue.put(delivery_id)

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    def _loop(self) -> None:
        import time

        last_tick = time.monotonic()
        while True:
            try:
                item = self._queue.get(timeout=min(1.0, self._interval))
            except queue.Empty:
                item = ""
            if item is None:
                return
            if item:
                self._run(item)
            if time.monotonic() - last_tick >= self._interval:
                self._tick()
                last_tick = time.monotonic()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
