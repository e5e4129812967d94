from __future__ import annotations

import json
from pathlib import Path

from tools.audit import AuditLog


def test_the_chain_detects_edits_and_deletions(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")
    for n in range(3):
        log.record("inc-1", "stage", n=n)
    log.record("inc-2", "ticket", key="AF-2")
    assert log.verify() is None
    assert [e["detail"]["n"] for e in log.entries("inc-1")] == [0, 1, 2]

    lines = (tmp_path / "audit.log").read_text().splitlines()
    edited = json.loads(lines[1])
    edited["detail"]["n"] = 99
    (tmp_path / "audit.log").write_text("\n".join([lines[0], json.dumps(edited), *lines[2:]]))
    assert log.verify() == "line 2 was altered"

    (tmp_path / "audit.log").write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    assert log.verify() == "line 2 does not follow line 1"
