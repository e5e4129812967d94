"""The incident store: incidents, deliveries, external ids, one schema on SQLite (embedded) or
Postgres (scale-out: servers and workers share it), built by versioned migrations.

An incident row is also its fault's record: how often the fault fired, when its ticket was
last told, whether a person stopped it. A partial unique index keeps one unfinished incident
per fingerprint, so two workers racing on the same fault start it once. A lease on the row
says which worker is advancing it, and until when.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Each entry runs once, in order; the number of entries applied is the schema version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: incidents (each with its fault's counters), deliveries, external ids
        """CREATE TABLE IF NOT EXISTS incidents (
          n {key}, fingerprint TEXT NOT NULL, source TEXT NOT NULL, repo TEXT NOT NULL,
          status TEXT NOT NULL, finished INTEGER NOT NULL DEFAULT 0,
          waiting TEXT, retry_at REAL, ticket TEXT, pull_request TEXT,
          occurrences INTEGER NOT NULL DEFAULT 1, uncommented INTEGER NOT NULL DEFAULT 0,
          last_comment_at REAL NOT NULL DEFAULT 0, stopped INTEGER NOT NULL DEFAULT 0,
          resolved_at REAL, lease_owner TEXT, lease_until REAL NOT NULL DEFAULT 0,
          created_at REAL NOT NULL, updated_at REAL NOT NULL)""",
        "CREATE UNIQUE INDEX IF NOT EXISTS incidents_active ON incidents(fingerprint)"
        " WHERE finished = 0",
        "CREATE INDEX IF NOT EXISTS incidents_status ON incidents(finished, status)",
        """CREATE TABLE IF NOT EXISTS deliveries (
          id TEXT PRIMARY KEY, source TEXT NOT NULL, job TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
          received_at REAL NOT NULL, queued_at REAL NOT NULL, done_at REAL, error TEXT)""",
        "CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(state, queued_at)",
        """CREATE TABLE IF NOT EXISTS external_ids (
          external_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)""",
    ),
)


@dataclass(frozen=True)
class IncidentRow:
    n: int
    fingerprint: str
    source: str
    repo: str  # RepoRef as JSON
    status: str
    finished: bool
    waiting: str | None  # the pending Wait as JSON
    retry_at: float | None  # a service wait: when to try again
    ticket: str | None
    pull_request: str | None
    occurrences: int
    uncommented: int  # occurrences since the ticket was last told
    last_comment_at: float
    stopped: bool
    lease_owner: str | None
    lease_until: float
    updated_at: float = 0.0

    @property
    def incident_id(self) -> str:
        return f"inc-{self.n}"


_COLUMNS = ("n, fingerprint, source, repo, status, finished, waiting, retry_at, ticket,"
            " pull_request, occurrences, uncommented, last_comment_at, stopped, lease_owner,"
            " lease_until, updated_at")


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    source: str
    job: str  # a Job as JSON (agent/incidents/jobs.py)
    state: str  # pending | done | failed
    attempts: int
    received_at: float


def is_postgres(url: str | None) -> bool:
    return bool(url and url.startswith(("postgres://", "postgresql://")))


class Store:
    """Thread-safe: one connection per thread, opened on first use and kept."""

    def __init__(self, database_url: str | None, sqlite_path: Path) -> None:
        self.postgres = is_postgres(database_url)
        self.database_url = database_url
        self.sqlite_path = sqlite_path
        self._local = threading.local()
        self.migrate()

    # ------------------------------------------------------------ connections

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            assert self.database_url
            return _Postgres(psycopg.connect(self.database_url, autocommit=True))
        self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        lite = sqlite3.connect(self.sqlite_path, timeout=60, isolation_level=None,
                               check_same_thread=False)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=FULL")  # a 202 promises the delivery survives a crash
        return lite

    @contextlib.contextmanager
    def _db(self) -> Iterator[Any]:
        """This thread's connection; reopened once if the database dropped it (a restart)."""
        conn = getattr(self._local, "conn", None)
        try:
            if conn is None:
                conn = self._local.conn = self._connect()
            yield conn
        except connection_errors() as exc:
            self._local.conn = None
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            raise StoreUnavailable(f"the incident store is unreachable: {exc}") from exc

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Execute one statement, retrying once on a fresh connection after a lost one."""
        for attempt in (1, 2):
            try:
                with self._db() as db:
                    return db.execute(sql, params)
            except StoreUnavailable:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def migrate(self) -> int:
        """Apply the migrations not applied yet; returns the schema version."""
        key = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        self.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        if self.postgres:  # one migrator at a time across processes
            self.run("SELECT pg_advisory_lock(7716)")
        try:
            row = self.run("SELECT MAX(version) FROM schema_version").fetchone()
            version = int(row[0] or 0)
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements:
                    self.run(statement.format(key=key))
                self.run("INSERT INTO schema_version (version) VALUES (?)", (number,))
            return len(MIGRATIONS)
        finally:
            if self.postgres:
                self.run("SELECT pg_advisory_unlock(7716)")

    # ------------------------------------------------------------ incidents

    @staticmethod
    def _row(values: Any) -> IncidentRow | None:
        if values is None:
            return None
        (n, fingerprint, source, repo, status, finished, waiting, retry_at, ticket, pr,
         occurrences, uncommented, last_comment_at, stopped, lease_owner, lease_until,
         updated_at) = values
        return IncidentRow(int(n), fingerprint, source, repo, status, bool(finished), waiting,
                           retry_at, ticket, pr, int(occurrences), int(uncommented),
                           float(last_comment_at), bool(stopped), lease_owner,
                           float(lease_until), float(updated_at))

    def open_or_get(self, fingerprint: str, source: str, repo_json: str, owner: str,
                    ttl_s: float) -> tuple[IncidentRow, bool]:
        """The unfinished incident for `fingerprint`, created (leased to `owner`) when there is
        none. Returns it and whether this call created it."""
        now = time.time()
        created = self.run(
            "INSERT INTO incidents (fingerprint, source, repo, status, last_comment_at,"
            " lease_owner, lease_until, created_at, updated_at)"
            " VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (fingerprint, source, repo_json, now, owner, now + ttl_s, now, now)).rowcount == 1
        row = self.active(fingerprint)
        assert row is not None
        return row, created

    def active(self, fingerprint: str) -> IncidentRow | None:
        return self._row(self.run(
            f"SELECT {_COLUMNS} FROM incidents WHERE fingerprint = ? AND finished = 0",
            (fingerprint,)).fetchone())

    def latest(self, fingerprint: str) -> IncidentRow | None:
        """The fault's newest incident, finished or not."""
        return self._row(self.run(
            f"SELECT {_COLUMNS} FROM incidents WHERE fingerprint = ? ORDER BY n DESC LIMIT 1",
            (fingerprint,)).fetchone())

    def get(self, n: int) -> IncidentRow | None:
        return self._row(self.run(f"SELECT {_COLUMNS} FROM incidents WHERE n = ?",
                                  (n,)).fetchone())

    def by_ticket(self, key: str) -> IncidentRow | None:
        return self._row(self.run(
            f"SELECT {_COLUMNS} FROM incidents WHERE LOWER(ticket) = LOWER(?)"
            " ORDER BY n DESC LIMIT 1", (key,)).fetchone())

    def all(self, status: str | None = None, unfinished: bool = False) -> list[IncidentRow]:
        query, args = f"SELECT {_COLUMNS} FROM incidents", tuple[Any, ...]()
        if status is not None:
            query, args = query + " WHERE finished = 0 AND status = ?", (status,)
        elif unfinished:
            query += " WHERE finished = 0"
        rows = self.run(query + " ORDER BY n", args).fetchall()
        return [r for r in map(self._row, rows) if r is not None]

    def record(self, n: int, *, status: str, finished: bool, waiting: str | None,
               retry_at: float | None, ticket: str | None, pull_request: str | None) -> None:
        """Where the incident stands after a run of its graph."""
        self.run("UPDATE incidents SET status = ?, finished = ?, waiting = ?, retry_at = ?,"
                 " ticket = ?, pull_request = ?, updated_at = ? WHERE n = ?",
                 (status, int(finished), waiting, retry_at, ticket, pull_request, time.time(),
                  n))

    def requeue(self, n: int, older_than_s: float) -> bool:
        """Claim a queued incident whose advance was not seen for `older_than_s` (its task
        lost with a broker or a server) for queueing again; one caller wins."""
        now = time.time()
        return self.run("UPDATE incidents SET updated_at = ? WHERE n = ? AND status = 'queued'"
                        " AND updated_at <= ?", (now, n, now - older_than_s)).rowcount == 1

    def occurred(self, n: int) -> IncidentRow:
        """One more occurrence of the incident's fault."""
        self.run("UPDATE incidents SET occurrences = occurrences + 1,"
                 " uncommented = uncommented + 1 WHERE n = ?", (n,))
        row = self.get(n)
        assert row is not None
        return row

    def claim_comment(self, n: int, interval_s: float) -> int:
        """Claim the right to tell the ticket about new occurrences: at most once per
        `interval_s`, whichever worker asks first. Returns how many to tell (0: not now)."""
        now = time.time()
        row = self.get(n)
        if row is None or row.uncommented == 0 or now - row.last_comment_at < interval_s:
            return 0
        won = self.run("UPDATE incidents SET uncommented = 0, last_comment_at = ?"
                       " WHERE n = ? AND last_comment_at = ?",
                       (now, n, row.last_comment_at)).rowcount == 1
        return row.uncommented if won else 0

    def stop(self, n: int) -> None:
        self.run("UPDATE incidents SET stopped = 1 WHERE n = ?", (n,))

    def resolved(self, fingerprint: str) -> None:
        """The monitor says the alert is resolved: recorded; only verification closes."""
        self.run("UPDATE incidents SET resolved_at = ? WHERE n = (SELECT MAX(n) FROM incidents"
                 " WHERE fingerprint = ?)", (time.time(), fingerprint))

    # ------------------------------------------------------------ leases

    def acquire(self, n: int, owner: str, ttl_s: float, dead: str = "") -> bool:
        """Lease the incident to `owner` unless another holder's lease is still live (or
        that holder is `dead`: a process known to be gone). Its status reads `running`
        until the run records where it ended."""
        now = time.time()
        return self.run(
            "UPDATE incidents SET lease_owner = ?, lease_until = ?, status = CASE WHEN"
            " status = 'starting' THEN status ELSE 'running' END, waiting = NULL WHERE n = ? AND"
            " (lease_owner IS NULL OR lease_owner IN (?, ?) OR lease_until < ?)",
            (owner, now + ttl_s, n, owner, dead, now)).rowcount == 1

    def renew(self, n: int, owner: str, ttl_s: float) -> bool:
        return self.run("UPDATE incidents SET lease_until = ? WHERE n = ? AND lease_owner = ?",
                        (time.time() + ttl_s, n, owner)).rowcount == 1

    def release(self, n: int, owner: str) -> None:
        self.run("UPDATE incidents SET lease_owner = NULL, lease_until = 0"
                 " WHERE n = ? AND lease_owner = ?", (n, owner))

    # ------------------------------------------------------------ deliveries

    def add_delivery(self, delivery_id: str, source: str, job_json: str) -> bool:
        """Record a delivery durably; False when it was recorded before (a retry)."""
        return self.run(
            "INSERT INTO deliveries (id, source, job, received_at, queued_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (delivery_id, source, job_json, time.time(), time.time())).rowcount == 1

    def delivery(self, delivery_id: str) -> DeliveryRow | None:
        row = self.run("SELECT id, source, job, state, attempts, received_at FROM deliveries"
                       " WHERE id = ?", (delivery_id,)).fetchone()
        return DeliveryRow(*row) if row else None

    def pending_deliveries(self, older_than_s: float = 0.0, limit: int = 1000) -> list[str]:
        """Deliveries acknowledged, not worked on, and not queued for `older_than_s`: the
        ones a killed server or a lost broker message left behind. Each is claimed for
        requeueing by one caller only (its queued time moves to now)."""
        cutoff = time.time() - older_than_s
        rows = self.run("SELECT id FROM deliveries WHERE state = 'pending' AND queued_at <= ?"
                        " ORDER BY queued_at LIMIT ?", (cutoff, limit)).fetchall()
        claimed = []
        for (delivery_id,) in rows:
            if self.run("UPDATE deliveries SET queued_at = ? WHERE id = ? AND state = 'pending'"
                        " AND queued_at <= ?", (time.time(), delivery_id, cutoff)).rowcount:
                claimed.append(str(delivery_id))
        return claimed

    def delivery_done(self, delivery_id: str, error: str | None = None) -> None:
        # The raw payload (secrets and all) is kept only until the alert in it is parsed.
        self.run("UPDATE deliveries SET state = ?, done_at = ?, error = ?, job = '',"
                 " attempts = attempts + 1 WHERE id = ?",
                 ("failed" if error else "done", time.time(), error, delivery_id))

    def delivery_counts(self) -> dict[str, int]:
        rows = self.run("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    # ------------------------------------------------------------ external ids

    def link(self, external_id: str, fingerprint: str) -> None:
        """Remember which fault a monitor's own id (a PagerDuty incident) belongs to."""
        self.run("INSERT INTO external_ids (external_id, fingerprint) VALUES (?, ?)"
                 " ON CONFLICT (external_id) DO UPDATE SET fingerprint = excluded.fingerprint",
                 (external_id, fingerprint))

    def linked(self, external_id: str) -> str | None:
        row = self.run("SELECT fingerprint FROM external_ids WHERE external_id = ?",
                       (external_id,)).fetchone()
        return str(row[0]) if row else None


class StoreUnavailable(RuntimeError):
    """The database is unreachable (restarting, or down): the caller answers 503 / retries."""


def connection_errors(sqlite: bool = True) -> tuple[type[BaseException], ...]:
    """What a lost or restarting database raises (`sqlite=False`: Postgres only, since a
    SQLite error mid-run may as well be an adapter's own database)."""
    errors: list[type[BaseException]] = [sqlite3.OperationalError] if sqlite else []
    with contextlib.suppress(ImportError):
        import psycopg

        errors.append(psycopg.OperationalError)
    return tuple(errors)


class _Postgres:
    """psycopg behind sqlite3's `execute(sql, params)` with `?` placeholders."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)

    def close(self) -> None:
        self.conn.close()
