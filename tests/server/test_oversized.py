"""A signed webhook body over the limit gets a 413 the client can read: real clients (httpx,
requests, a raw socket that sends everything before it reads) against `alertfix serve` on
127.0.0.1, whichever HTTP implementation uvicorn picks there."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from tools.monitors.signatures import hmac_sha256

SECRET = "sentry-client-secret"
LIMIT = 1024 * 1024  # the default ALERTFIX_WEBHOOK_MAX_BYTES
BODY = json.dumps({"action": "triggered", "pad": "x" * (2 * 1024 * 1024)}).encode()  # 2 MiB


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {**os.environ, "ALERTFIX_HOME": str(home), "ALERTFIX_SENTRY_CLIENT_SECRET": SECRET}
    env.pop("ALERTFIX_WEBHOOK_MAX_BYTES", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from agent.cli import main; main()", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # however long a loaded machine takes to start it
            if process.poll() is not None:
                raise AssertionError(f"alertfix serve exited with {process.returncode}")
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _headers(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "Sentry-Hook-Resource": "event_alert",
            "Sentry-Hook-Timestamp": str(int(time.time())),
            "Sentry-Hook-Signature": hmac_sha256(SECRET, body)}


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


def test_httpx_reads_the_413_and_keeps_its_connection(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        for _ in range(2):  # the same keep-alive connection serves the next request
            answer = client.post("/webhooks/sentry", content=BODY, headers=_headers(BODY))
            assert answer.status_code == 413
            assert answer.json() == {
                "detail": f"body of {len(BODY)} bytes exceeds the limit of {LIMIT}"}
            assert client.get("/healthz").status_code == 200


def test_a_chunked_body_without_length_is_cut_at_the_limit(server: str) -> None:
    answer = requests.post(f"{server}/webhooks/sentry", data=_chunks(BODY),
                           headers=_headers(BODY), timeout=60)
    assert answer.status_code == 413
    assert answer.json() == {"detail": f"body exceeds the limit of {LIMIT} bytes"}


def _read_response(raw: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += raw.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        rest += raw.recv(65536)
    return head + b"\r\n\r\n" + rest


def test_a_client_that_sends_everything_before_reading_gets_the_answer(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **_headers(BODY), "Host": host, "Content-Length": str(len(BODY))}.items())
    with socket.create_connection((host, int(port)), timeout=60) as raw:
        raw.sendall(f"POST /webhooks/sentry HTTP/1.1\r\n{head}\r\n".encode())
        for piece in _chunks(BODY):
            raw.sendall(piece)  # raises ConnectionResetError if the server gave up on us
        answer = _read_response(raw)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"exceeds the limit of 1048576\"}")


def test_a_body_within_the_limit_is_still_read(server: str, tmp_path: Path) -> None:
    body = json.dumps({"action": "triggered", "data": {}}).encode()
    answer = httpx.post(f"{server}/webhooks/sentry", content=body, headers=_headers(body),
                        timeout=60)
    assert answer.status_code == 400  # read, verified and parsed: not an alert, and it says so
    assert "detail" in answer.json()
