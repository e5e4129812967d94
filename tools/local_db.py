"""The embedded adapters' SQLite files: one short transaction per operation.

`sqlite3.Connection` used as a context manager commits or rolls back but stays open until it is
garbage collected, and a connection caught in a traceback's reference cycle can outlive its
incident by a long time. `transaction` closes it when the block ends.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to `path` (rows by column name): committed when the block ends, rolled
    back when it raises, closed either way."""
    db = sqlite3.connect(path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    finally:
        db.close()
