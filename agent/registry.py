"""The incident registry and the LangGraph checkpointer, on SQLite (embedded) or Postgres
(scale-out: several servers and workers share one database).

The registry maps fingerprints to incidents. A partial unique index keeps one unfinished
incident per fingerprint, so two workers racing on the same fault start it once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.state import STATE_MODELS

_TABLE = """
CREATE TABLE IF NOT EXISTS incidents (
  n {key}, fingerprint TEXT NOT NULL, source TEXT NOT NULL, repo TEXT NOT NULL,
  status TEXT NOT NULL, finished INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)"""
_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS incidents_active ON incidents(fingerprint)"
    " WHERE finished = 0",
    "CREATE INDEX IF NOT EXISTS incidents_status ON incidents(finished, status)",
)


def serializer() -> JsonPlusSerializer:
    """Checkpoint (de)serialisation limited to alertfix's own state models."""
    allowed = [(m.__module__, m.__name__) for m in STATE_MODELS]
    allowed.append(("tools.ports", "TicketStatus"))
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


@dataclass(frozen=True)
class IncidentRow:
    n: int
    fingerprint: str
    source: str
    repo: str  # RepoRef as JSON
    status: str
    finished: bool

    @property
    def incident_id(self) -> str:
        return f"inc-{self.n}"


class Registry:
    def __init__(self, database_url: str | None, sqlite_path: Path) -> None:
        self.postgres = bool(database_url and database_url.startswith(("postgres://",
                                                                       "postgresql://")))
        self.database_url = database_url
        self.sqlite_path = sqlite_path
        key = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self._db() as db:
            for statement in (_TABLE.format(key=key), *_INDEXES):
                db.execute(statement)

    @contextlib.contextmanager
    def _db(self) -> Iterator[Any]:
        """A connection whose `execute` takes `?` placeholders on either database."""
        if self.postgres:
            import psycopg

            assert self.database_url
            with psycopg.connect(self.database_url, autocommit=True) as pg:
                yield _Postgres(pg)
        else:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            lite = sqlite3.connect(self.sqlite_path, timeout=30)
            try:
                with lite:
                    yield lite
            finally:
                lite.close()

    @staticmethod
    def _row(values: Any) -> IncidentRow | None:
        if values is None:
            return None
        n, fingerprint, source, repo, status, finished = values
        return IncidentRow(int(n), fingerprint, source, repo, status, bool(finished))

    _COLUMNS = "n, fingerprint, source, repo, status, finished"

    def open_or_get(self, fingerprint: str, source: str, repo_json: str) -> tuple[IncidentRow,
                                                                                  bool]:
        """The unfinished incident for `fingerprint`, created when there is none.
        Returns it and whether this call created it."""
        with self._db() as db:
            created = db.execute(
                "INSERT INTO incidents (fingerprint, source, repo, status, created_at)"
                " VALUES (?, ?, ?, 'starting', ?) ON CONFLICT DO NOTHING",
                (fingerprint, source, repo_json, datetime.now(UTC).isoformat())).rowcount == 1
            row = self._row(db.execute(
                f"SELECT {self._COLUMNS} FROM incidents WHERE fingerprint = ? AND finished = 0",
                (fingerprint,)).fetchone())
        assert row is not None
        return row, created

    def active(self, fingerprint: str) -> IncidentRow | None:
        with self._db() as db:
            return self._row(db.execute(
                f"SELECT {self._COLUMNS} FROM incidents WHERE fingerprint = ? AND finished = 0",
                (fingerprint,)).fetchone())

    def get(self, n: int) -> IncidentRow | None:
        with self._db() as db:
            return self._row(db.execute(
                f"SELECT {self._COLUMNS} FROM incidents WHERE n = ?", (n,)).fetchone())

    def all(self, status: str | None = None) -> list[IncidentRow]:
        query, args = f"SELECT {self._COLUMNS} FROM incidents", tuple[str, ...]()
        if status is not None:
            query, args = query + " WHERE finished = 0 AND status = ?", (status,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY n", args).fetchall()
        return [r for r in map(self._row, rows) if r is not None]

    def update(self, n: int, status: str, finished: bool) -> None:
        with self._db() as db:
            db.execute("UPDATE incidents SET status = ?, finished = ? WHERE n = ?",
                       (status, int(finished), n))

    @contextlib.contextmanager
    def checkpointer(self) -> Iterator[BaseCheckpointSaver[Any]]:
        if self.postgres:
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg import Connection
            from psycopg.rows import dict_row

            assert self.database_url
            with Connection.connect(self.database_url, autocommit=True, prepare_threshold=0,
                                    row_factory=dict_row) as pg:
                saver = PostgresSaver(pg, serde=serializer())
                saver.setup()  # idempotent: creates or migrates its tables
                yield saver
        else:
            lite = sqlite3.connect(self.sqlite_path, check_same_thread=False, timeout=30)
            try:
                yield SqliteSaver(lite, serde=serializer())
            finally:
                lite.close()


class _Postgres:
    """psycopg behind sqlite3's `execute(sql, params)` with `?` placeholders."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)
