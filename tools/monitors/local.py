"""The embedded monitor: events received by alertfix's Sentry-compatible ingest, in SQLite.

Any application's sentry-sdk can point its DSN at alertfix; the events land here, grouped by
the same fingerprint the agent uses, so verify can ask "has this fault happened since?".
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentry_sdk.envelope import Envelope

from tools.monitors.sentry import parse_event
from tools.ports import Alert, AlertParseError, Deploy, Occurrences

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT PRIMARY KEY, project TEXT NOT NULL, fingerprint TEXT NOT NULL,
  received_at TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_fingerprint ON events(fingerprint, received_at);
"""


MAX_DECODED_BYTES = 20 * 1024 * 1024
_CHUNK = 64 * 1024


class BodyDecodeError(ValueError):
    pass


class BodyTooLarge(BodyDecodeError):
    """The body, once decompressed, exceeds the limit (HTTP 413)."""


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    """zlib/gzip/raw deflate, in bounded steps: a bomb is stopped after `limit` bytes of
    output, not after it has filled memory. Concatenated gzip members are all read."""
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        while True:  # with all input read, output can still be pending: ask until none
            chunk = inflater.decompress(data, _CHUNK)
            out += chunk
            data = inflater.unconsumed_tail
            if len(out) > limit:
                raise BodyTooLarge(f"body exceeds {limit} bytes once decompressed")
            if inflater.eof or not (data or chunk):
                break
        if not inflater.eof:
            raise BodyDecodeError("body is truncated")
        data = inflater.unused_data if wbits > zlib.MAX_WBITS else b""
    return bytes(out)


def _unbrotli(body: bytes, limit: int) -> bytes:
    import brotli  # only needed when a client sends br

    decompressor = brotli.Decompressor()
    out = bytearray(decompressor.process(body, output_buffer_limit=_CHUNK))
    while not decompressor.is_finished() and len(out) <= limit:
        if decompressor.can_accept_more_data():
            break  # all input consumed, stream unfinished
        out += decompressor.process(b"", output_buffer_limit=_CHUNK)
    if len(out) > limit:
        raise BodyTooLarge(f"body exceeds {limit} bytes once decompressed")
    if not decompressor.is_finished():
        raise BodyDecodeError("body is truncated br")
    return bytes(out)


def _decode_one(body: bytes, encoding: str, limit: int) -> bytes:
    try:
        if encoding in ("gzip", "x-gzip"):
            return _inflate(body, 16 + zlib.MAX_WBITS, limit)
        if encoding == "deflate":
            try:
                return _inflate(body, zlib.MAX_WBITS, limit)
            except zlib.error:
                return _inflate(body, -zlib.MAX_WBITS, limit)  # raw deflate, no zlib header
        if encoding == "br":
            return _unbrotli(body, limit)
    except ModuleNotFoundError as exc:
        raise BodyDecodeError("br bodies need the brotli package") from exc
    except (OSError, zlib.error, EOFError) as exc:
        raise BodyDecodeError(f"body is not valid {encoding}: {exc}") from exc
    except Exception as exc:  # brotli.error has no stable base class to name
        if isinstance(exc, BodyDecodeError):
            raise
        raise BodyDecodeError(f"body is not valid {encoding}") from exc
    if encoding in ("identity", ""):
        if len(body) > limit:
            raise BodyTooLarge(f"body exceeds {limit} bytes")
        return body
    raise BodyDecodeError(f"unsupported Content-Encoding {encoding!r}")


def decode_body(body: bytes, content_encoding: str, limit: int = MAX_DECODED_BYTES) -> bytes:
    """Undo the Content-Encoding sentry-sdk applied (gzip, br, deflate or none; several in
    the order applied), never producing more than `limit` bytes."""
    encodings = [e.strip().lower() for e in (content_encoding or "identity").split(",")]
    for encoding in reversed(encodings):
        body = _decode_one(body, encoding, limit)
    return body


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


MAX_SIGHTINGS = 2000  # sightings kept per answer: enough for a rate and a chart


class EventStore:
    name = "embedded"

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

    def occurrences(self, alert: Alert, start: datetime, end: datetime,
                    deploy: Deploy | None = None) -> Occurrences:
        span = (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat())
        with self._connect() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM events WHERE fingerprint = ? AND received_at >= ?"
                " AND received_at < ?", (alert.fingerprint, *span)).fetchone()[0]
            rows = db.execute(
                "SELECT received_at FROM events WHERE fingerprint = ? AND received_at >= ?"
                " AND received_at < ? ORDER BY received_at DESC LIMIT ?",
                (alert.fingerprint, *span, MAX_SIGHTINGS)).fetchall()
        return Occurrences(monitor=self.name, start=start, end=end, count=int(count),
                           complete=count <= MAX_SIGHTINGS,
                           times=[datetime.fromisoformat(r[0]) for r in rows],
                           note="events received by alertfix's own ingest")

    def resolve(self, alert: Alert, deploy: Deploy, note: str) -> str:
        return ""  # the embedded store keeps events, not issue states

    def latest(self, fingerprint: str | None = None) -> dict[str, Any] | None:
        query = "SELECT payload FROM events"
        args: tuple[str, ...] = ()
        if fingerprint:
            query, args = query + " WHERE fingerprint = ?", (fingerprint,)
        with self._connect() as db:
            row = db.execute(query + " ORDER BY received_at DESC LIMIT 1", args).fetchone()
        return json.loads(row[0]) if row else None
