"""Graph compilation and the checkpointer (SQLite embedded, Postgres for scale-out).

The incident lifecycle itself is agent/incidents/; the queues that run it are in
agent/server/workers.py (in process, or Celery).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
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
