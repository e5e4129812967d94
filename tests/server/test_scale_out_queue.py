"""Scale-out on Celery: `alertfix serve` records each delivery in Postgres before its 202, and
`alertfix worker` processes run them. Bursts, retries and duplicates make one incident per
fault; killed workers, a killed server, a broker restart and a Postgres restart lose nothing.
"""

from __future__ import annotations

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.incidents.service import IncidentService
from agent.incidents.store import Store
from agent.settings import Settings
from tests.server.conftest import sentry_event
from tests.server.scaleout import (
    Cluster,
    broker,
    database_url,  # noqa: F401  (a fixture)
    make_cluster,
    signed_sentry,
    wait_until,
)
from tools.forge.local import LocalForge
from tools.tracker.local import LocalTracker

UNSETTLED = ("starting", "queued", "running")


def fault_event(fault: int, occurrence: int) -> dict[str, Any]:
    """Occurrence `occurrence` of fault `fault`: its own event id, message and line."""
    payload = sentry_event(occurrence, function=f"charge_{fault}", module=f"billing{fault}")
    payload["data"]["event"]["event_id"] = f"{fault:08x}{occurrence:024x}"
    return payload


def settled(store: Store) -> bool:
    counts = store.delivery_counts()
    return counts.get("pending", 0) == 0 and all(
        row.status not in UNSETTLED for row in store.all())


def send(url: str, payloads: list[dict[str, Any]], threads: int = 8) -> list[int]:
    """Each payload once, from `threads` clients; a 5xx or a connection error is retried
    the way a sender retries (until acknowledged)."""

    def deliver(chunk: list[dict[str, Any]]) -> list[int]:
        statuses = []
        with httpx.Client(timeout=30) as client:
            for payload in chunk:
                for _ in range(100):
                    try:
                        status = signed_sentry(client, url, payload)
                    except httpx.HTTPError:
                        status = 0
                    if 200 <= status < 300:
                        break
                    time.sleep(0.2)
                statuses.append(status)
        return statuses

    chunks = [payloads[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return [s for part in pool.map(deliver, chunks) for s in part]


@pytest.fixture
def cluster(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Any:  # noqa: F811
    from agent.demo import build_service

    shop = tmp_path / "shop"
    build_service(shop)
    kind = getattr(request, "param", "redis")
    made = make_cluster(tmp_path, shop, database_url, broker(kind))
    # Seed the embedded forge once, before several workers would race to create it.
    IncidentService(Settings(home=made.home, database_url=database_url)
                    ).register_local_repo(shop)
    yield made
    made.stop()


@pytest.mark.slow
def test_burst_of_retried_and_duplicated_deliveries_makes_one_incident_per_fault(
        cluster: Cluster, database_url: str) -> None:  # noqa: F811
    faults, per_fault = map(int, os.environ.get("ALERTFIX_TEST_BURST", "200x50").split("x"))
    payloads = [fault_event(f, k) for f in range(faults) for k in range(per_fault)]
    payloads += random.Random(7).sample(payloads, len(payloads) // 10)  # duplicates
    random.Random(8).shuffle(payloads)
    cluster.start_server()
    cluster.start_worker()
    cluster.start_worker()
    started = time.monotonic()
    statuses = send(cluster.url, payloads)
    sent = time.monotonic() - started
    assert statuses.count(202) == faults * per_fault, sorted(set(statuses))
    assert statuses.count(200) == len(payloads) - faults * per_fault  # the duplicates
    store = Store(database_url, cluster.home / "unused.db")
    wait_until(lambda: settled(store), 1800, "every delivery and incident to settle")
    print(f"burst: {len(payloads)} deliveries acknowledged in {sent:.0f} s; all {faults} "
          f"incidents settled {time.monotonic() - started:.0f} s after the first")
    rows = store.all()
    assert len(rows) == faults
    assert sorted(row.occurrences for row in rows) == [per_fault] * faults
    assert store.delivery_counts() == {"done": faults * per_fault}
    tickets = LocalTracker(cluster.home / "tracker.db").all()
    assert len(tickets) == faults
    assert len({t.fingerprint for t in tickets}) == faults
    prs = LocalForge(cluster.home, "shop").open_pull_requests()
    assert len({pr.branch for pr in prs}) == len(prs)  # no duplicate PR
    assert [r["id"] for r in cluster.status()] == [row.incident_id for row in rows]
