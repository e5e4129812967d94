"""The server under test: create_app on the demo's shop service, signed deliveries."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.demo import build_service
from agent.incidents.service import IncidentService
from agent.server.app import create_app
from agent.server.workers import EmbeddedQueue
from agent.settings import Settings
from tools.monitors.signatures import hmac_sha256

SENTRY_SECRET = "sentry-client-secret"
GITHUB_SECRET = "It's a Secret to Everybody"
PAGERDUTY_SECRETS = ["pd-secret-old", "pd-secret-new"]
INGEST_KEY = "ingest-public-key"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    build_service(path)
    return path


@pytest.fixture
def settings(tmp_path: Path, shop: Path) -> Settings:
    return Settings.model_validate({
        "home": tmp_path / ".alertfix", "test_timeout_s": 120,
        "sentry_client_secret": SENTRY_SECRET, "github_webhook_secret": GITHUB_SECRET,
        "pagerduty_webhook_secrets": PAGERDUTY_SECRETS, "ingest_keys": [INGEST_KEY],
        "services": {"*": {"repository": str(shop)}},
        "occurrence_comment_interval_s": 3600, "webhook_max_bytes": 64 * 1024,
        "ingest_max_bytes": 1024 * 1024,
    })


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.worker.close()


@pytest.fixture
def worker(app: FastAPI) -> EmbeddedQueue:
    worker: EmbeddedQueue = app.state.worker
    return worker


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def runtime(settings: Settings) -> IncidentService:
    return IncidentService(settings)


def body_of(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def post_sentry(client: TestClient, payload: Any, resource: str = "event_alert",
                timestamp: float | None = None, secret: str = SENTRY_SECRET,
                request_id: str | None = None) -> Any:  # the test client's response (httpx2)
    body = body_of(payload)
    headers = {"Sentry-Hook-Resource": resource,
               "Sentry-Hook-Timestamp": str(int(timestamp or time.time())),
               "Sentry-Hook-Signature": hmac_sha256(secret, body),
               "Content-Type": "application/json"}
    if request_id:
        headers["Request-ID"] = request_id
    return client.post("/webhooks/sentry", content=body, headers=headers)


def post_pagerduty(client: TestClient, payload: Any, secrets: list[str] | None = None,
                   webhook_id: str = "wh-1") -> Any:  # the test client's response (httpx2)
    body = body_of(payload)
    signature = ",".join(f"v1={hmac_sha256(s, body)}" for s in (secrets or PAGERDUTY_SECRETS))
    return client.post("/webhooks/pagerduty", content=body, headers={
        "X-PagerDuty-Signature": signature, "X-Webhook-Id": webhook_id,
        "Content-Type": "application/json"})


def post_github(client: TestClient, event: str, payload: Any, delivery: str,
                secret: str = GITHUB_SECRET) -> Any:  # the test client's response (httpx2)
    body = body_of(payload)
    return client.post("/webhooks/github", content=body, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac_sha256(secret, body),
        "Content-Type": "application/json"})


def sentry_event(n: int, function: str = "charge", exc_type: str = "KeyError",
                 module: str = "billing") -> dict[str, Any]:
    """An event_alert of a fault outside the shop's code (the incident escalates quickly:
    nothing to locate), with a message and line that vary by occurrence."""
    return {"action": "triggered", "data": {"event": {
        "event_id": f"{n:032x}", "release": "", "environment": "production",
        "title": f"{exc_type}: 'order-{n}'", "timestamp": time.time(),
        "exception": {"values": [{"type": exc_type, "value": f"'order-{n}'", "stacktrace": {
            "frames": [{"filename": f"{module}/api.py", "abs_path": f"/srv/app/{module}/api.py",
                        "module": f"{module}.api", "function": function, "lineno": 10 + n,
                        "in_app": True}]}}]}}}}


def reconfigured(settings: Settings, **update: Any) -> Settings:
    """A copy of `settings` with `update` validated (SecretStr fields from plain strings)."""
    return Settings.model_validate({**settings.model_dump(), **update})
