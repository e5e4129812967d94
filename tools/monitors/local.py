"""The embedded monitor: events received by alertfix's Sentry-compatible ingest, in SQLite.

Any application's sentry-sdk can point its DSN at alertfix; the events land here, grouped by
the same fingerprint the agent uses, so verify can ask "has this fault happened since?".
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentry_sdk.envelope import Envelope

from tools.monitors.sentry import parse_event
from tools.ports import Alert, AlertParseError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT PRIMARY KEY, project TEXT NOT NULL, fingerprint TEXT NOT NULL,
  received_at TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_fingerprint ON events(fingerprint, received_at);
"""


class BodyDecodeError(ValueError):
    pass


def decode_body(body: bytes, content_encoding: str) -> bytes:
    """Undo the Content-Encoding sentry-sdk applied (gzip, br, deflate or none)."""
    encoding = (content_encoding or "identity").strip().lower()
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, no zlib header
        if encoding == "br":
            import brotli  # only needed when a client sends br

            return bytes(brotli.decompress(body))
    except ModuleNotFoundError as exc:
        raise BodyDecodeError("br bodies need the brotli package") from exc
    except (OSError, zlib.error, EOFError) as exc:
        raise BodyDecodeError(f"body is not valid {encoding}: {exc}") from exc
    if encoding in ("identity", ""):
        return body
    raise BodyDecodeError(f"unsupported Content-Encoding {encoding!r}")


def events_from_envelope(body: bytes) -> list[dict[str, Any]]:
    """The error events in an envelope; sessions, transactions, attachments and client
    reports are passed over."""
    try:
        envelope = Envelope.deserialize(body)
    except Exception as exc:  # the SDK's parser raises bare errors on garbage
        raise BodyDecodeError(f"not a Sentry envelope: {exc}") from exc
    events = []
    for item in envelope.items:
        if item.type == "event":
            payload = item.payload.json
            if isinstance(payload, dict):
                events.append(payload)
    return events


class EventStore:
    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=30)

    def add(self, project: str, event: dict[str, Any],
            received_at: datetime | None = None) -> Alert:
        """Store one event (idempotent per event_id) and return it as an Alert."""
        alert = parse_event(event)
        if not alert.frames and not alert.exception_type:
            raise AlertParseError("event carries no exception")
        event_id = str(event.get("event_id") or alert.fingerprint + alert.occurred_at.isoformat())
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                (event_id, project, alert.fingerprint,
                 (received_at or datetime.now(UTC)).isoformat(), json.dumps(event)),
            )
        return alert

    def count_events(self, fingerprint: str, since: datetime) -> int:
        with self._connect() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM events WHERE fingerprint = ? AND received_at > ?",
                (fingerprint, since.astimezone(UTC).isoformat()),
            ).fetchone()
        return int(row[0])

    def latest(self, fingerprint: str | None = None) -> dict[str, Any] | None:
        query = "SELECT payload FROM events"
        args: tuple[str, ...] = ()
        if fingerprint:
            query, args = query + " WHERE fingerprint = ?", (fingerprint,)
        with self._connect() as db:
            row = db.execute(query + " ORDER BY received_at DESC LIMIT 1", args).fetchone()
        return json.loads(row[0]) if row else None
