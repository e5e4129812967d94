"""Fixtures for the agent's tests: the demo's shop service and a real sentry-sdk event of
its crash, captured once per session through alertfix's own ingest."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import git
import pytest
from fastapi import FastAPI
from langgraph.runtime import Runtime

from agent.context import Context, build_context
from agent.demo import GUEST_CHECKOUT, build_service, send_traffic
from agent.incidents.service import IncidentService
from agent.server.background import serve_in_thread
from agent.server.ingest import ingest_router
from agent.settings import Settings
from agent.state import IncidentState, RepoRef
from tools.monitors.local import EventStore


@pytest.fixture(scope="session")
def shop_event(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The raw Sentry event of a guest checkout on the shop's buggy head."""
    base = tmp_path_factory.mktemp("event")
    repo = build_service(base / "shop")
    store = EventStore(base / "events.db")
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    def on_event(project: str, event: dict[str, Any], alert: Any) -> None:
        received.append(event)
        arrived.set()

    app = FastAPI()
    app.include_router(ingest_router(store, ["k"], on_event))
    with serve_in_thread(app) as url:
        send_traffic(base / "shop", url.replace("http://", "http://k@") + "/1",
                     repo.head.commit.hexsha, GUEST_CHECKOUT)
        assert arrived.wait(10), "sentry-sdk sent no event to the ingest"
    return received[0]


@pytest.fixture
def event(shop_event: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(shop_event)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    build_service(path)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / ".alertfix", test_timeout_s=120, verify_window_s=0,
                    verify_max_window_s=0)


@pytest.fixture
def runtime(settings: Settings) -> IncidentService:
    return IncidentService(settings)


@pytest.fixture
def repo_ref(runtime: IncidentService, shop: Path) -> RepoRef:
    return runtime.register_local_repo(shop)


@pytest.fixture
def context(settings: Settings, repo_ref: RepoRef) -> Context:
    return build_context(settings, repo_ref)


@pytest.fixture
def node_runtime(context: Context) -> Runtime[Context]:
    return Runtime(context=context)


def advance(state: IncidentState, update: dict[str, Any]) -> IncidentState:
    """Apply a node's partial update the way the graph would (timeline appends)."""
    merged = state.model_dump()
    for key, value in update.items():
        merged[key] = merged[key] + value if key == "timeline" else value
    return IncidentState.model_validate(merged)


def head(path: Path) -> str:
    return git.Repo(path).head.commit.hexsha
