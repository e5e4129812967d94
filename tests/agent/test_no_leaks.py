"""No leaks across incidents: 50 incidents through one embedded server process leave its child
processes (GitPython's `git cat-file` among them) and open files where they started, and its
memory roughly bounded. Counted from /proc, so Linux only.

Every tenth incident is the shop's real fault and runs the whole loop (RCA, repair, validate,
pull request); the others are faults outside the shop's code, which stop at RCA."""

from __future__ import annotations

import copy
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import git
import pytest
from fastapi.testclient import TestClient

from agent.incidents.service import IncidentService
from agent.server.app import create_app
from agent.server.workers import EmbeddedQueue
from agent.settings import Settings
from tests.server.conftest import SENTRY_SECRET, post_sentry, sentry_event

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="children and open files are read from /proc")

INCIDENTS = 50
WARM_UP = 3  # first incidents fill the caches a process keeps (parsed code, environments)


def _children() -> list[str]:
    """The command lines of this process's live child processes."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[1] != me or stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip())
        except (OSError, IndexError):
            continue  # it ended while we looked
    return sorted(found)


STORE_FILES = ("/state.db", "/state.db-wal", "/state.db-shm")


def _open_files() -> list[str]:
    """Open files, except the incident store's (counted apart, see `_store_files`)."""
    return sorted(f for f in _fds() if not f.endswith(STORE_FILES))


def _store_files() -> int:
    """The incident store keeps one connection per server thread (agent/incidents/store.py),
    opened on a thread's first use and kept: their number follows the server's threads, not
    its incidents (measured after the warm-up). The checkpointer opens the same file per use
    and closes it, so a checkpointer leak would grow with the incidents."""
    return sum(1 for f in _fds() if f.endswith(STORE_FILES))


def _fds() -> list[str]:
    out = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            out.append(os.readlink(fd))
        except OSError:
            continue
    return out


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _fault(n: int, shop_event: dict[str, Any]) -> dict[str, Any]:
    """A distinct fault per n (so a new incident, not another occurrence of one): the shop's
    own fault entered through a different caller every tenth time, else one outside it."""
    if n % 10:
        return sentry_event(n, f"operation_{n}")
    event = copy.deepcopy(shop_event)
    event["event_id"] = f"{n:032x}"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    frames[0] = {**frames[0], "filename": f"jobs/entry_{n}.py", "function": f"job_{n}"}
    return {"action": "triggered", "data": {"event": event}}


@pytest.mark.slow
def test_fifty_incidents_leave_no_processes_or_files_behind(
        tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    # Room for every incident: no cap on open pull requests or incidents per hour stops one.
    (shop / ".github").mkdir(exist_ok=True)
    (shop / ".github" / "alertfix.yml").write_text(
        "max_open_prs: 100\nmax_incidents_per_hour: 100\n")
    with git.Repo(shop) as service:
        service.git.add("--all")
        service.git.commit("-m", "Let alertfix open as many pull requests as it needs")
        event = {**event, "release": service.head.commit.hexsha}  # the policy is in that commit
    settings = Settings.model_validate({
        "home": tmp_path / ".alertfix", "test_timeout_s": 120, "verify_window_s": 0,
        "sentry_client_secret": SENTRY_SECRET, "services": {"*": {"repository": str(shop)}}})
    app = create_app(settings)
    worker: EmbeddedQueue = app.state.worker
    client = TestClient(app)
    try:
        # Nothing an incident opens may outlive it, not even the first one: where we start.
        children, files = _children(), _open_files()
        for n in range(WARM_UP):  # one whole loop and two short ones
            assert post_sentry(client, _fault(1000 + n * 7, event)).status_code == 202
        assert worker.drain(600)
        rss = _rss_kib()  # memory after the caches a process keeps have been filled
        store_warm = _store_files()  # the server threads' store connections are open now

        for n in range(INCIDENTS):
            assert post_sentry(client, _fault(n, event)).status_code == 202
            assert worker.drain(600)  # one at a time: what is left over is per incident
        assert worker.store.delivery_counts() == {"done": WARM_UP + INCIDENTS}
        children_after, files_after, rss_after = _children(), _open_files(), _rss_kib()
        store_files = _store_files()
    finally:
        worker.close()
    reports = IncidentService(settings).incidents()
    assert len(reports) == WARM_UP + INCIDENTS
    whole = [r for r in reports if r.state and r.state.pull_request]
    assert len(whole) == 1 + INCIDENTS // 10, "the shop's fault runs the whole loop to a PR"

    started = Counter(children_after) - Counter(children)
    assert not started, f"child processes outlived their incident: {sorted(started)}"
    # Only what was opened since counts: a file an earlier test in this process left for the
    # garbage collector may close meanwhile.
    opened = Counter(files_after) - Counter(files)
    assert not opened, f"files or sockets outlived their incident: {sorted(opened)}"
    assert store_files <= store_warm + len(STORE_FILES), \
        f"{store_files} store files open, {store_warm} after the warm-up: they grow per incident"
    grown = rss_after - rss
    # Bounded, not zero: checkpoints, counters and the allocator's arenas grow a little.
    assert grown < 64 * 1024, f"memory grew by {grown} KiB over {INCIDENTS} incidents"
