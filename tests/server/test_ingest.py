"""The Sentry-compatible ingest, fed by a real sentry-sdk client whose DSN points at the
server (uvicorn in a thread), plus the refusals: unknown key, bombs, garbage."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from agent.incidents.service import IncidentService
from agent.server.background import serve_in_thread
from agent.server.workers import EmbeddedQueue
from tests.server.conftest import INGEST_KEY

_RUNNER = textwrap.dedent('''
    import sys
    import sentry_sdk
    algo = sys.argv[2]
    experiments = ({"transport_compression_level": 0} if algo == "identity"
                   else {"transport_compression_algo": algo})
    sentry_sdk.init(dsn=sys.argv[1], release="r1", environment="production",
                    default_integrations=False, traces_sample_rate=1.0,
                    _experiments=experiments)
    from billing.api import charge
    with sentry_sdk.start_transaction(name="checkout"):  # a transaction envelope too
        for order in range(int(sys.argv[3])):
            try:
                charge(order)
            except Exception:
                sentry_sdk.capture_exception()
    sentry_sdk.capture_message("a message without an exception")
    sentry_sdk.flush(timeout=10)
''')
_BILLING = textwrap.dedent('''
    PRICES = {}


    def charge(order):
        return PRICES[f"order-{order}"]
''')


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield url


def run_sdk(tmp_path: Path, dsn: str, algo: str, crashes: int) -> None:
    code = tmp_path / "service"
    (code / "billing").mkdir(parents=True, exist_ok=True)
    (code / "billing" / "__init__.py").write_text("")
    (code / "billing" / "api.py").write_text(_BILLING)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env["PYTHONPATH"] = str(code)
    done = subprocess.run([sys.executable, "-c", _RUNNER, dsn, algo, str(crashes)], cwd=code,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def dsn(base_url: str, key: str = INGEST_KEY) -> str:
    return base_url.replace("http://", f"http://{key}@") + "/42"


@pytest.mark.parametrize("algo", ["br", "gzip", "identity"])
def test_sentry_sdk_events_become_one_incident(tmp_path: Path, base_url: str, algo: str,
                                               worker: EmbeddedQueue,
                                               runtime: IncidentService) -> None:
    run_sdk(tmp_path, dsn(base_url), algo, crashes=3)
    assert worker.drain(60)
    # Three KeyErrors with different keys: one fault. The message and the transaction were
    # passed over.
    assert worker.store.delivery_counts() == {"done": 3}
    reports = runtime.incidents()
    assert len(reports) == 1
    alert = reports[0].state.alert if reports[0].state else None
    assert alert is not None and alert.exception_type == "KeyError"
    assert alert.release == "r1" and alert.crash_frame and alert.crash_frame.function == "charge"
    assert [row.occurrences for row in runtime.store.all()] == [3]


def test_unknown_dsn_key_is_forbidden(tmp_path: Path, base_url: str, worker: EmbeddedQueue,
                                      runtime: IncidentService) -> None:
    run_sdk(tmp_path, dsn(base_url, key="stolen-or-stale"), "gzip", crashes=1)
    event = b'{"event_id": "1", "exception": {"values": [{"type": "KeyError"}]}}'
    by_query = httpx.post(f"{base_url}/api/42/store/?sentry_key=nope", content=event)
    assert by_query.status_code == 403
    missing = httpx.post(f"{base_url}/api/42/store/", content=event)
    assert missing.status_code == 403
    assert worker.drain(10) and runtime.incidents() == []


def test_bombs_garbage_and_oversize_bodies(base_url: str, worker: EmbeddedQueue,
                                           runtime: IncidentService) -> None:
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={INGEST_KEY}, sentry_version=7"}
    bomb = gzip.compress(b"\n" * (16 * 1024 * 1024))  # 16 MiB of newlines; limit 1 MiB
    refused = httpx.post(f"{base_url}/api/42/envelope/", content=bomb,
                         headers={**auth, "Content-Encoding": "gzip"})
    assert refused.status_code == 413
    too_big = httpx.post(f"{base_url}/api/42/store/", content=b" " * (1024 * 1024 + 1),
                         headers=auth)
    assert too_big.status_code == 413
    garbage = httpx.post(f"{base_url}/api/42/envelope/", content=b"\x00\xff garbage",
                         headers={**auth, "Content-Encoding": "gzip"})
    assert garbage.status_code == 400 and "gzip" in garbage.json()["detail"]
    not_json = httpx.post(f"{base_url}/api/42/store/", content=b"[1, 2]", headers=auth)
    assert not_json.status_code == 400
    assert worker.drain(10) and runtime.incidents() == []
