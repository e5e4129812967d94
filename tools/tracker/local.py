"""The embedded tracker: tickets in SQLite, keys AF-1, AF-2, ...

A real tracker for teams (or demos) without Jira: tickets, comments, labels and a status
history that follows the same workflow as the Jira adapter.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from tools.local_db import transaction
from tools.ports import (
    Attachment,
    Ticket,
    TicketDraft,
    TicketStatus,
    TrackerNotFound,
    TrackerRefused,
)

_ALLOWED: dict[TicketStatus, set[TicketStatus]] = {
    TicketStatus.OPEN: {TicketStatus.IN_PROGRESS, TicketStatus.DONE},
    TicketStatus.IN_PROGRESS: {TicketStatus.IN_REVIEW, TicketStatus.OPEN, TicketStatus.DONE},
    # In Review → Reopened: the fix was deployed but verification saw the error again.
    TicketStatus.IN_REVIEW: {TicketStatus.IN_PROGRESS, TicketStatus.DONE, TicketStatus.OPEN,
                             TicketStatus.REOPENED},
    TicketStatus.DONE: {TicketStatus.REOPENED},
    TicketStatus.REOPENED: {TicketStatus.IN_PROGRESS, TicketStatus.DONE, TicketStatus.OPEN},
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
  fingerprint TEXT NOT NULL, labels TEXT NOT NULL, severity TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_fingerprint ON tickets(fingerprint);
CREATE TABLE IF NOT EXISTS comments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL,
  body TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL, created_at TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class LocalTracker:
    prefix = "AF"

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.db_path)

    def _id(self, key: str) -> int:
        prefix, _, number = key.partition("-")
        if prefix != self.prefix or not number.isdigit():
            raise TrackerNotFound(f"no ticket {key}")
        return int(number)

    def _ticket(self, row: sqlite3.Row) -> Ticket:
        return Ticket(
            key=f"{self.prefix}-{row['id']}",
            title=row["title"],
            status=TicketStatus(row["status"]),
            fingerprint=row["fingerprint"],
            labels=json.loads(row["labels"]),
            url=f"alertfix://tickets/{self.prefix}-{row['id']}",
        )

    def create(self, draft: TicketDraft) -> Ticket:
        """A new ticket; or, when an open one for the same fingerprint already carries every
        label of the draft (the same incident's: two runs of one incident raced, say after a
        lease ran out under load), that one. Checked and written in one write transaction."""
        labels = sorted({*draft.labels, f"fp-{draft.fingerprint[:16]}"})
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # no other writer between the check and the insert
            for row in db.execute("SELECT * FROM tickets WHERE fingerprint = ? AND status != ?",
                                  (draft.fingerprint, TicketStatus.DONE.value)).fetchall():
                if set(labels) <= set(json.loads(row["labels"])):
                    return self._ticket(row)
            cursor = db.execute(
                "INSERT INTO tickets (title, body, status, fingerprint, labels, severity,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (draft.title, draft.body, TicketStatus.OPEN.value, draft.fingerprint,
                 json.dumps(labels), draft.severity, _now(), _now()),
            )
            row = db.execute("SELECT * FROM tickets WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return self._ticket(row)

    def find(self, fingerprint: str) -> Ticket | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM tickets WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
                (fingerprint,),
            ).fetchone()
        return self._ticket(row) if row else None

    def get(self, key: str) -> Ticket:
        with self._connect() as db:
            row = db.execute("SELECT * FROM tickets WHERE id = ?", (self._id(key),)).fetchone()
        if row is None:
            raise TrackerNotFound(f"no ticket {key}")
        return self._ticket(row)

    def body(self, key: str) -> str:
        with self._connect() as db:
            row = db.execute("SELECT body FROM tickets WHERE id = ?", (self._id(key),)).fetchone()
        if row is None:
            raise TrackerNotFound(f"no ticket {key}")
        return str(row["body"])

    def comment(self, key: str, body: str) -> None:
        self.get(key)  # raises TrackerNotFound for an unknown key
        ticket_id = self._id(key)
        with self._connect() as db:
            db.execute(
                "INSERT INTO comments (ticket_id, body, created_at) VALUES (?, ?, ?)",
                (ticket_id, body, _now()),
            )

    def attachment_dir(self, key: str) -> Path:
        return self.db_path.parent / "attachments" / f"{self.prefix}-{self._id(key)}"

    def attach(self, key: str, attachment: Attachment) -> str:
        """The file under `attachments/KEY/` beside the database; a link to it."""
        self.get(key)  # raises TrackerNotFound for an unknown key
        name = Path(attachment.filename).name  # never a path out of the folder
        folder = self.attachment_dir(key)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(attachment.content)
        return f"[{attachment.alt}]({(folder / name).resolve().as_uri()})"

    def attachments(self, key: str) -> list[Path]:
        folder = self.attachment_dir(key)
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def comments(self, key: str) -> list[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT body FROM comments WHERE ticket_id = ? ORDER BY id", (self._id(key),)
            ).fetchall()
        return [str(r["body"]) for r in rows]

    def add_labels(self, key: str, *labels: str) -> Ticket:
        ticket = self.get(key)
        with self._connect() as db:
            db.execute(
                "UPDATE tickets SET labels = ?, updated_at = ? WHERE id = ?",
                (json.dumps(sorted({*ticket.labels, *labels})), _now(), self._id(key)),
            )
        return self.get(key)

    def transition(self, key: str, status: TicketStatus) -> Ticket:
        ticket = self.get(key)
        if ticket.status == status:
            return ticket  # idempotent: a node that runs twice asks for the same status twice
        if status not in _ALLOWED[ticket.status]:
            raise TrackerRefused(f"{key}: cannot go from {ticket.status} to {status}")
        with self._connect() as db:
            db.execute(
                "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?",
                (status.value, _now(), self._id(key)),
            )
            db.execute(
                "INSERT INTO transitions (ticket_id, from_status, to_status, created_at)"
                " VALUES (?, ?, ?, ?)",
                (self._id(key), ticket.status.value, status.value, _now()),
            )
        return self.get(key)

    def history(self, key: str) -> list[tuple[str, str]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT from_status, to_status FROM transitions WHERE ticket_id = ? ORDER BY id",
                (self._id(key),),
            ).fetchall()
        return [(r["from_status"], r["to_status"]) for r in rows]

    def close(self, key: str, summary: str) -> Ticket:
        if self.get(key).status != TicketStatus.DONE:
            self.comment(key, summary)
        return self.transition(key, TicketStatus.DONE)

    def all(self) -> list[Ticket]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM tickets ORDER BY id").fetchall()
        return [self._ticket(r) for r in rows]
