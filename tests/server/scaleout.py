"""Scale-out under test: `alertfix serve` and N `alertfix worker`s as real processes, over a
fresh Postgres database and a Celery queue of their own on Redis or RabbitMQ at 127.0.0.1.
Each fixture skips, saying why, when its service is not running."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import SENTRY_SECRET, body_of
from tools.monitors.signatures import hmac_sha256

POSTGRES = os.environ.get("ALERTFIX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ALERTFIX_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ = os.environ.get("ALERTFIX_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


def reachable(url: str, default_port: int) -> bool:
    host_port = url.split("://", 1)[-1].split("@")[-1].split("/")[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or default_port)), 2):
            return True
    except OSError:
        return False


@pytest.fixture
def database_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES}: {exc}".splitlines()[0])
    name = f"alertfix_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def broker(kind: str) -> str:
    url, port = (REDIS, 6379) if kind == "redis" else (RABBITMQ, 5672)
    if not reachable(url, port):
        pytest.skip(f"{kind} is not reachable at {url.split('@')[-1]}")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alertfix(*args: str) -> list[str]:
    return [sys.executable, "-c", "from agent.cli import main; main()", *args]


@dataclass
class Cluster:
    """One server and its workers, each a process group of its own (kill -9 takes all)."""

    home: Path
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(alertfix(*args, "--home", str(self.home)), env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_server(self) -> None:
        self.server = self._spawn("server", "serve", "--port", str(self.port))
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.server.poll() is not None:
                raise AssertionError(f"the server did not start: {self.log('server')}")
            time.sleep(0.2)

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self._spawn(f"worker-{len(self.workers)}", "worker", "--tick-interval", "1")
        self.workers.append(worker)
        return worker

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9 of the process and its children (a sandboxed test run, git)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        for process in [*self.workers, *([self.server] if self.server else [])]:
            if process.poll() is None:
                self.kill(process)

    def status(self) -> list[dict[str, Any]]:
        result = subprocess.run(alertfix("status", "--json", "--home", str(self.home)),
                                env=self.env, capture_output=True, text=True, timeout=120,
                                check=True)
        return [json.loads(line) for line in result.stdout.splitlines()]


def make_cluster(tmp_path: Path, shop: Path, database_url: str, broker_url: str,
                 **extra: str) -> Cluster:
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ,
           "ALERTFIX_QUEUE": "celery", "ALERTFIX_BROKER_URL": broker_url,
           "ALERTFIX_BROKER_QUEUE": f"alertfix-test-{secrets.token_hex(4)}",
           "ALERTFIX_DATABASE_URL": database_url,
           "ALERTFIX_SENTRY_CLIENT_SECRET": SENTRY_SECRET,
           "ALERTFIX_SERVICES": json.dumps({"*": {"repository": str(shop)}}),
           "ALERTFIX_INGEST_KEYS": "test", "ALERTFIX_TEST_TIMEOUT_S": "120",
           "ALERTFIX_OCCURRENCE_COMMENT_INTERVAL_S": "3600",
           "ALERTFIX_LEASE_S": "10", "ALERTFIX_REDELIVER_AFTER_S": "20", **extra}
    return Cluster(tmp_path / ".alertfix", env, logs)


def signed_sentry(client: httpx.Client, url: str, payload: dict[str, Any]) -> int:
    body = body_of(payload)
    response = client.post(f"{url}/webhooks/sentry", content=body, headers={
        "Sentry-Hook-Resource": "event_alert", "Sentry-Hook-Timestamp": str(int(time.time())),
        "Sentry-Hook-Signature": hmac_sha256(SENTRY_SECRET, body),
        "Content-Type": "application/json"})
    return response.status_code


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
