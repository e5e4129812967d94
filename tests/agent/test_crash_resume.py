"""A process killed during validate is resumed by the next `run`: one ticket, one PR."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import git
import pytest

from agent.incidents.service import IncidentService
from agent.settings import Settings
from tools.forge.local import LocalForge
from tools.tracker.local import LocalTracker

_SLOW_TEST = "import time\n\n\ndef test_slow_integration():\n    time.sleep(4)\n"


def _alertfix(*args: str) -> list[str]:
    return [sys.executable, "-c", "from agent.cli import main; main()", *args]


def _wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_during_validate_resumes_without_duplicates(
        tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    # A slow test in the service's suite keeps validate busy long enough to be killed.
    (shop / "tests" / "test_slow.py").write_text(_SLOW_TEST)
    repo = git.Repo(shop)
    repo.git.add("--all")
    repo.git.commit("-m", "Add a slow integration test")
    event["release"] = repo.head.commit.hexsha
    home = tmp_path / "home"
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps(event))
    command = _alertfix("run", "--alert", str(alert), "--repo", str(shop), "--home", str(home))
    env = {**os.environ, "COLUMNS": "200"}

    first = subprocess.Popen(command, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worktrees = home / "worktrees"
    try:
        # validate's warm worker (earlier stages make worktrees too: environment, rca)
        _wait_for(lambda: any(worktrees.glob("*/repo/.alertfix-worker")), 120)
        time.sleep(0.5)  # inside the sandboxed test run
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()

    runtime = IncidentService(Settings(home=home))
    killed = runtime.report("inc-1")
    assert killed.status == "interrupted before validate"

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert second.returncode == 0, second.stderr
    assert "waiting for review" in second.stdout

    report = runtime.report("inc-1")
    assert report.state and report.state.pull_request
    assert len(LocalTracker(home / "tracker.db").all()) == 1
    forge = LocalForge(home, "shop")
    assert [pr.number for pr in forge.open_pull_requests()] == [1]
    stages = [e.stage for e in report.state.timeline]
    assert stages.count("ticket") == 1 and stages.count("validate") == 1
