"""Scale-out state: checkpoints and the incident store in Postgres, shared by processes.

Needs PostgreSQL (ALERTFIX_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test);
skipped with the reason when it is not reachable. Each test gets a throwaway database.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.incidents.store import Store
from agent.settings import Settings
from agent.state import RepoRef

ADMIN_URL = os.environ.get("ALERTFIX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def database_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc}".splitlines()[0])
    name = f"alertfix_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def test_one_active_incident_per_fingerprint_under_concurrency(
        database_url: str, tmp_path: Path) -> None:
    registry = Store(database_url, tmp_path / "unused.db")
    created: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        created.append(registry.open_or_get("fp-1", "sentry", "{}", "test", 60)[1])

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert created.count(True) == 1
    row = registry.active("fp-1")
    # One incident; its number may skip one a losing insert drew (sequences never roll back).
    assert row is not None and row.incident_id.startswith("inc-")
    registry.record(row.n, status="closed", finished=True, waiting=None, retry_at=None,
                    ticket=None, pull_request=None)
    again, created_again = registry.open_or_get("fp-1", "sentry", "{}", "test", 60)
    assert created_again and again.incident_id != "inc-1"  # sequences may leave gaps


@pytest.mark.slow
def test_an_incident_started_by_one_process_is_resumed_by_another(
        database_url: str, tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    def runtime() -> IncidentService:  # a fresh process's view: nothing shared but the DB
        return IncidentService(Settings(home=tmp_path / "home", database_url=database_url,
                                        test_timeout_s=120, verify_window_s=0,
                                        verify_max_window_s=0))

    first = runtime()
    repo: RepoRef = first.register_local_repo(shop)
    started = first.receive(incoming("sentry", event), repo)
    assert started.waiting_for == "review"
    assert not (tmp_path / "home" / "state.db").exists()  # state lives in Postgres only

    approved = runtime().approve(started.incident_id)
    assert approved.waiting_for == "deploy"
    closed = runtime().deployed("AF-1")
    assert closed.state and closed.state.outcome == "closed"
    assert [r.status for r in runtime().incidents()] == ["closed"]
