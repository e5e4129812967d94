"""The server's own bookkeeping in SQLite: deliveries seen (retries are exact no-ops) and one
row per fault (its incident, how often it fired, when its ticket was last told)."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
  fingerprint TEXT PRIMARY KEY, incident_id TEXT, count INTEGER NOT NULL DEFAULT 0,
  uncommented INTEGER NOT NULL DEFAULT 0, last_comment_at REAL NOT NULL DEFAULT 0,
  first_seen REAL NOT NULL, last_seen REAL NOT NULL, stopped INTEGER NOT NULL DEFAULT 0,
  resolved_at REAL);
CREATE TABLE IF NOT EXISTS external_ids (
  external_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""


@dataclass
class Fault:
    fingerprint: str
    incident_id: str | None
    count: int
    uncommented: int  # occurrences since the ticket was last told
    last_comment_at: float
    stopped: bool


class FaultRegistry:
    """Thread-safe; used by the worker (and read by the app for its health numbers)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30,
                                   isolation_level=None)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------ deliveries

    def first_delivery(self, delivery_id: str, source: str) -> bool:
        """Record a delivery id; False when it was seen before (a retry)."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)",
                                      (delivery_id, source, time.time()))
            return cursor.rowcount == 1

    # ------------------------------------------------------------ faults

    def get(self, fingerprint: str) -> Fault | None:
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint, incident_id, count, uncommented, last_comment_at, stopped"
                " FROM faults WHERE fingerprint = ?", (fingerprint,)).fetchone()
        return Fault(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def occurred(self, fingerprint: str) -> Fault:
        """Count one more occurrence (creating the fault on its first)."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO faults (fingerprint, count, uncommented, first_seen, last_seen)"
                " VALUES (?, 1, 1, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET"
                " count = count + 1, uncommented = uncommented + 1, last_seen = excluded.last_seen",
                (fingerprint, now, now))
        fault = self.get(fingerprint)
        assert fault is not None
        return fault

    def assign(self, fingerprint: str, incident_id: str) -> None:
        """The fault's current incident (a new one after a regression or a retry)."""
        with self._lock:
            self._db.execute("UPDATE faults SET incident_id = ?, uncommented = 0,"
                             " last_comment_at = ?, stopped = 0, resolved_at = NULL"
                             " WHERE fingerprint = ?", (incident_id, time.time(), fingerprint))

    def commented(self, fingerprint: str) -> None:
        with self._lock:
            self._db.execute("UPDATE faults SET uncommented = 0, last_comment_at = ?"
                             " WHERE fingerprint = ?", (time.time(), fingerprint))

    def stop(self, incident_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE faults SET stopped = 1 WHERE incident_id = ?",
                             (incident_id,))

    def link(self, external_id: str, fingerprint: str) -> None:
        """Remember which fault a monitor's own id (a PagerDuty incident) belongs to."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO external_ids VALUES (?, ?)",
                             (external_id, fingerprint))

    def linked(self, external_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT fingerprint FROM external_ids WHERE external_id = ?",
                                   (external_id,)).fetchone()
        return str(row[0]) if row else None

    def resolved(self, fingerprint: str) -> None:
        """The monitor says the alert is resolved (PagerDuty incident.resolved): recorded;
        only verification after a deploy closes an incident."""
        with self._lock:
            self._db.execute("UPDATE faults SET resolved_at = ? WHERE fingerprint = ?",
                             (time.time(), fingerprint))

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT fingerprint, count FROM faults").fetchall()
        return {row[0]: row[1] for row in rows}
