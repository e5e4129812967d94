"""Scale-out failures with real processes (kill -9), Postgres and a broker on 127.0.0.1: a
worker killed in each stage in turn, a server killed right after its 202s, a broker
restart and a Postgres restart. Every acknowledged delivery is worked on, every incident
finishes its run, and nothing is done twice (tickets, pull requests, comments)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.incidents.service import IncidentService
from agent.incidents.store import Store
from agent.runtime import compiled_graph, thread
from agent.settings import Settings
from tests.server.scaleout import (
    Cluster,
    broker,
    database_url,  # noqa: F401  (a fixture)
    free_port,
    make_cluster,
    signed_sentry,
    wait_until,
)
from tools.forge.local import LocalForge
from tools.tracker.local import LocalTracker

STAGES = ("intake", "ticket", "admit", "environment", "rca", "repair", "validate", "confirm",
          "pull_request")


def as_webhook(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {"action": "triggered",
            "data": {"event": {**event, "event_id": event_id or event["event_id"]}}}


def seeded(tmp_path: Path, shop: Path, url: str, broker_url: str, **extra: str) -> Cluster:
    cluster = make_cluster(tmp_path, shop, url, broker_url, **extra)
    IncidentService(Settings(home=cluster.home, database_url=url)).register_local_repo(shop)
    return cluster



def no_duplicates(home: Path) -> None:
    tracker = LocalTracker(home / "tracker.db")
    tickets = tracker.all()
    assert len({t.fingerprint for t in tickets}) == len(tickets)
    for ticket in tickets:
        comments = tracker.comments(ticket.key)
        assert len(set(comments)) == len(comments), comments
    prs = LocalForge(home, "shop").open_pull_requests()
    assert len({pr.branch for pr in prs}) == len(prs)


@pytest.mark.slow
def test_a_worker_killed_in_each_stage_leaves_the_incident_to_the_next(
        tmp_path: Path, shop: Path, event: dict[str, Any], database_url: str) -> None:  # noqa: F811
    cluster = seeded(tmp_path, shop, database_url, broker("redis"))
    settings = Settings(home=cluster.home, database_url=database_url)
    store = Store(database_url, cluster.home / "unused.db")
    killed_in: list[str] = []
    stack = contextlib.ExitStack()
    try:
        cluster.start_server()
        worker = cluster.start_worker()
        with httpx.Client(timeout=30) as client:
            assert signed_sentry(client, cluster.url, as_webhook(event)) == 202
        wait_until(lambda: bool(store.all()), 120, "the incident to open")
        incident = store.all()[0].incident_id
        n = int(incident.removeprefix("inc-"))

        def position() -> int:
            """The stage the incident is at (its index), len(STAGES) once past them."""
            at = tuple(graph.get_state(thread(incident)).next)
            if at and at[0] in STAGES:
                return STAGES.index(at[0])
            row = store.get(n)
            return len(STAGES) if row and (row.finished or row.waiting) else -1

        def running() -> bool:
            row = store.get(n)
            return bool(row and row.status == "running")

        graph = stack.enter_context(compiled_graph(settings))  # one connection: quick looks
        for index, stage in enumerate(STAGES):
            deadline = time.monotonic() + 300
            while (at := position()) < index or (at == index and not running()):
                assert time.monotonic() < deadline, f"{stage} did not start"
                time.sleep(0.01)
            if at != index:
                continue  # the stage went by between two looks
            time.sleep(0.05)  # inside the stage
            if position() != index:
                continue
            cluster.kill(worker)
            killed_in.append(stage)
            worker = cluster.start_worker()
        wait_until(lambda: store.all()[0].status == "waiting for review", 600,
                   "the incident to reach review")
    finally:
        stack.close()
        cluster.stop()
    print(f"killed in: {killed_in}")
    assert len(killed_in) >= 4, killed_in  # the long stages at least
    report = IncidentService(settings).report(incident)
    assert report.state and report.state.pull_request and report.state.ticket
    stages = [e.stage for e in report.state.timeline]
    assert all(stages.count(s) == 1 for s in STAGES), stages
    assert len(LocalTracker(cluster.home / "tracker.db").all()) == 1
    assert len(LocalForge(cluster.home, "shop").open_pull_requests()) == 1
    no_duplicates(cluster.home)


def _faults(n: int, start: int = 0) -> list[dict[str, Any]]:
    from tests.server.conftest import sentry_event

    payloads = []
    for fault in range(start, start + n):
        payload = sentry_event(fault, function=f"charge_{fault}", module=f"billing{fault}")
        payload["data"]["event"]["event_id"] = f"{fault:032x}"
        payloads.append(payload)
    return payloads


def _post_all(url: str, payloads: list[dict[str, Any]]) -> int:
    """Deliver each payload as a sender does: again after a 5xx or a lost connection."""
    acknowledged = 0
    with httpx.Client(timeout=30) as client:
        for payload in payloads:
            for _ in range(120):
                try:
                    status = signed_sentry(client, url, payload)
                except httpx.HTTPError:
                    status = 0
                if status < 500 and status != 0:
                    break
                time.sleep(0.5)
            acknowledged += status == 202
    return acknowledged


def _closed_port() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.slow
def test_a_server_killed_after_its_202s_loses_no_delivery(
        tmp_path: Path, shop: Path, database_url: str) -> None:  # noqa: F811
    # The server cannot reach the broker: its 202s rest on the store alone. Killed with
    # -9 right after them; the workers (on the real broker) find the deliveries pending.
    cluster = seeded(tmp_path, shop, database_url, broker("redis"),
                     ALERTFIX_REDELIVER_AFTER_S="2")
    store = Store(database_url, cluster.home / "unused.db")
    real_broker = cluster.env["ALERTFIX_BROKER_URL"]
    try:
        cluster.env["ALERTFIX_BROKER_URL"] = _closed_port()
        cluster.start_server()
        assert cluster.server
        assert _post_all(cluster.url, _faults(6)) == 6
        cluster.kill(cluster.server)
        cluster.env["ALERTFIX_BROKER_URL"] = real_broker
        cluster.start_worker()
        wait_until(lambda: store.delivery_counts() == {"done": 6}
                   and all(r.status == "escalated" for r in store.all()), 600,
                   "the acknowledged deliveries to be worked on")
    finally:
        cluster.stop()
    assert len(store.all()) == 6
    assert len(LocalTracker(cluster.home / "tracker.db").all()) == 6
    no_duplicates(cluster.home)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A redis-server of this test's own (restarting the shared one would hurt others)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the broker restart needs its own")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path)]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        wait_until(lambda: _listening(port), 30, "redis-server to listen")
        return process

    state = {"process": start()}

    def restart() -> None:
        state["process"].terminate()
        state["process"].wait()
        time.sleep(1)
        state["process"] = start()

    yield f"redis://127.0.0.1:{port}/0", restart
    state["process"].terminate()
    state["process"].wait()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 1):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_a_broker_restart_mid_run_loses_no_delivery(
        tmp_path: Path, shop: Path, database_url: str,  # noqa: F811
        private_redis: tuple[str, Any]) -> None:
    url, restart = private_redis
    cluster = seeded(tmp_path, shop, database_url, url, ALERTFIX_REDELIVER_AFTER_S="5")
    store = Store(database_url, cluster.home / "unused.db")
    try:
        cluster.start_server()
        cluster.start_worker()
        assert _post_all(cluster.url, _faults(4)) == 4
        restart()
        assert _post_all(cluster.url, _faults(4, start=4)) == 4
        wait_until(lambda: store.delivery_counts() == {"done": 8}
                   and all(r.status == "escalated" for r in store.all()), 600,
                   "every acknowledged delivery to be worked on")
    finally:
        cluster.stop()
    assert len(store.all()) == 8
    no_duplicates(cluster.home)


@pytest.mark.slow
def test_the_cluster_reports_status_as_json(
        tmp_path: Path, shop: Path, database_url: str) -> None:  # noqa: F811
    cluster = seeded(tmp_path, shop, database_url, broker("rabbitmq"))
    store = Store(database_url, cluster.home / "unused.db")
    try:
        cluster.start_server()
        cluster.start_worker()
        assert _post_all(cluster.url, _faults(2)) == 2
        wait_until(lambda: len(store.all()) == 2
                   and all(r.status == "escalated" for r in store.all()), 600,
                   "both incidents to escalate over RabbitMQ")
        lines = cluster.status()
    finally:
        cluster.stop()
    assert [set(line) >= {"id", "fingerprint", "stage", "ticket", "pull_request"}
            for line in lines] == [True, True]
    assert {line["stage"] for line in lines} == {"escalated"}
    assert all(line["ticket"] for line in lines)
    json.dumps(lines)


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A Postgres cluster of this test's own, run as the `postgres` user, to restart."""
    import os
    import pwd

    initdb, runuser = shutil.which("initdb"), shutil.which("runuser")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        initdb = None
    if not (initdb and runuser and shutil.which("pg_ctl")) or os.geteuid() != 0:
        pytest.skip("the Postgres restart test needs initdb, pg_ctl, runuser and root (to "
                    "run a cluster of its own as `postgres`)")
    # Outside pytest's private temporary directory, which `postgres` may not enter.
    data = Path(tempfile.mkdtemp(prefix="alertfix-pg-"))
    shutil.chown(data, "postgres")
    port = free_port()

    def as_postgres(*command: str) -> None:
        subprocess.run([runuser, "-u", "postgres", "--", *command], check=True,
                       capture_output=True, timeout=120)

    as_postgres(initdb, "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on"
    as_postgres("pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "log"), "-w",
                "start")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def restart() -> None:
        as_postgres("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        time.sleep(2)  # down for a moment: the server answers 503, the workers wait
        as_postgres("pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "log"), "-w",
                    "start")

    try:
        yield url, restart
    finally:
        subprocess.run([runuser, "-u", "postgres", "--", "pg_ctl", "-D", str(data), "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.slow
def test_a_postgres_restart_mid_run_loses_no_acknowledged_delivery(
        tmp_path: Path, shop: Path, private_postgres: tuple[str, Any]) -> None:
    url, restart = private_postgres
    cluster = seeded(tmp_path, shop, url, broker("redis"), ALERTFIX_REDELIVER_AFTER_S="5")
    store = Store(url, cluster.home / "unused.db")
    try:
        cluster.start_server()
        cluster.start_worker()
        first = _post_all(cluster.url, _faults(4))
        restart()
        second = _post_all(cluster.url, _faults(4, start=4))  # 503s are retried by senders
        assert first + second == 8
        wait_until(lambda: store.delivery_counts() == {"done": 8}
                   and all(r.status == "escalated" for r in store.all()), 600,
                   "every acknowledged delivery to be worked on")
    finally:
        cluster.stop()
    assert len(store.all()) == 8
    no_duplicates(cluster.home)
