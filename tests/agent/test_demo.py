"""`alertfix demo` end to end: a real sentry-sdk envelope to a closed, verified ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app, console
from tools.tracker.local import LocalTracker


@pytest.mark.slow
def test_demo_ends_with_the_ticket_done_and_verified(tmp_path: Path) -> None:
    console.width = 200
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "the ticket is closed (fixed; one replayed request is too little traffic" in \
        result.output
    for stage in ("intake", "ticket", "rca", "repair", "validate", "pull_request", "review",
                  "deploy", "verify", "close"):
        assert stage in result.output
    tracker = LocalTracker(tmp_path / "demo" / ".alertfix" / "tracker.db")
    assert [t.status.value for t in tracker.all()] == ["Done"]
    # The closing comment links the before/after chart, which `explain` lists.
    [chart] = tracker.attachments("AF-1")
    assert chart.as_uri() in tracker.comments("AF-1")[-1]
    explained = CliRunner().invoke(app, ["explain", "inc-1", "--home",
                                         str(tmp_path / "demo" / ".alertfix")])
    assert f"Attachment: {chart.as_uri()}" in explained.output
    # Running it again rebuilds the directory it made, and refuses one it did not make.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "precious.txt").write_text("x")
    refused = CliRunner().invoke(app, ["demo", str(other)])
    assert refused.exit_code == 2 and (other / "precious.txt").exists()
