"""Append-only, hash-chained audit log: every action alertfix takes, one JSON line each.

Each entry carries the hash of the one before it, so an edited or deleted line breaks the
chain and `verify()` says where. Text is redacted by the caller before it gets here.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)

    def record(self, incident: str, action: str, **detail: Any) -> dict[str, Any]:
        """Append one entry; concurrent writers (server, workers) are serialised by a lock."""
        with self.path.open("r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            lines = handle.read().splitlines()
            previous = json.loads(lines[-1])["hash"] if lines else GENESIS
            entry = {"at": datetime.now(UTC).isoformat(), "incident": incident,
                     "action": action, "detail": detail, "prev": previous}
            entry["hash"] = _digest(entry)
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
        return entry

    def entries(self, incident: str | None = None) -> list[dict[str, Any]]:
        lines = self.path.read_text().splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        return [e for e in found if incident is None or e["incident"] == incident]

    def verify(self) -> str | None:
        """None when the chain is intact, else where it breaks."""
        previous = GENESIS
        for number, line in enumerate(self.path.read_text().splitlines(), start=1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                return f"line {number} is not JSON"
            claimed = entry.pop("hash", None)
            if entry.get("prev") != previous:
                return f"line {number} does not follow line {number - 1}"
            if claimed != _digest(entry):
                return f"line {number} was altered"
            previous = claimed
        return None
