"""Intake: a burst of signed Sentry deliveries, acknowledged four ways in the same run.

    python benchmarks/bench_webhooks.py [--deliveries 10000] [--faults 200] [--concurrency 8]

    bare FastAPI              a no-op endpoint under the same uvicorn settings (the floor)
    in-memory queue           alertfix's webhook (signature, parse) with deliveries kept in
                              a dict and queued in memory: what it cost before the 202 was
                              durable
    durable, SQLite           `alertfix serve` embedded: the delivery is in SQLite (fsync)
                              before the 202, and incidents run in the same process
    durable, Postgres+Celery  `alertfix serve` with ALERTFIX_QUEUE=celery: the delivery is in
                              Postgres before the 202, then published to the broker

A client process pre-builds and signs every delivery, sends them over keep-alive connections
and times each acknowledgement. Each configuration runs twice, interleaved, and the figures
are their means, as ratios against the bare endpoint measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-sentry-client-secret"
NOOP_APP = """
import sys, uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()
@app.post("/noop")
async def noop(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"accepted": True}, status_code=202)
@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout_s: float = 60) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def health(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    conn.request("GET", "/healthz")
    return dict(json.loads(conn.getresponse().read()))


# ---------------------------------------------------------------- the client process

def delivery(n: int, faults: int) -> bytes:
    fault = n % faults
    frame = {"filename": "billing/api.py", "abs_path": "/srv/app/billing/api.py",
             "module": "billing.api", "function": f"handler_{fault}", "lineno": 10 + n % 97,
             "in_app": True}
    event = {"event_id": f"{n:032x}", "environment": "production", "timestamp": time.time(),
             "title": f"KeyError: 'order-{n}'",
             "exception": {"values": [{"type": "KeyError", "value": f"'order-{n}'",
                                       "stacktrace": {"frames": [frame]}}]}}
    return json.dumps({"action": "triggered", "data": {"event": event,
                                                       "triggered_rule": "bench"}}).encode()


def client(url: str, path: str, deliveries: int, faults: int, concurrency: int, signed: bool,
           results: Any) -> None:
    """Runs in its own process: build and sign everything, then send and time it."""
    requests = []
    for n in range(deliveries):
        body = delivery(n, faults)
        headers = {"Content-Type": "application/json", "Sentry-Hook-Resource": "event_alert",
                   "Request-ID": f"req-{n}"}
        if signed:
            headers["Sentry-Hook-Timestamp"] = str(int(time.time()))
            headers["Sentry-Hook-Signature"] = hmac.new(SECRET.encode(), body,
                                                        hashlib.sha256).hexdigest()
        requests.append((body, headers))
    parts = urlsplit(url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    slow: list[tuple[float, int, float]] = []  # (seconds into the burst, delivery, latency)
    lock = threading.Lock()
    next_index = iter(range(deliveries))

    def sender() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        mine: list[float] = []
        order: list[tuple[float, int]] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                n = next(next_index, None)
            if n is None:
                break
            body, headers = requests[n]
            started = time.perf_counter()
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            order.append((started, n))
            codes[response.status] = codes.get(response.status, 0) + 1
        with lock:
            latencies.extend(mine)
            slow.extend((at - begun, n, took) for (at, n), took in zip(order, mine, strict=True)
                        if took > 0.1)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    started = begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"seconds": time.perf_counter() - started, "latencies": latencies,
                 "statuses": statuses, "slow": sorted(slow)})


def burst(url: str, path: str, args: argparse.Namespace, signed: bool) -> dict[str, Any]:
    results: Any = mp.get_context("spawn").Queue()
    process = mp.get_context("spawn").Process(target=client, args=(
        url, path, args.deliveries, args.faults, args.concurrency, signed, results))
    process.start()
    outcome: dict[str, Any] = results.get(timeout=900)
    process.join()
    latencies = sorted(outcome["latencies"])
    return {"rate": len(latencies) / outcome["seconds"], "seconds": outcome["seconds"],
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
            "max_ms": 1000 * latencies[-1], "statuses": outcome["statuses"],
            "slow": outcome["slow"]}


# ---------------------------------------------------------------- the orchestration

MEMORY_APP = """
import sys, uvicorn
from fastapi import FastAPI
from agent.server.webhooks import webhook_router
from agent.settings import Settings

class MemoryDeliveries:
    # The store's add_delivery, kept in a dict: what acknowledging costs without durability.
    def __init__(self):
        self.jobs = {}
    def add_delivery(self, delivery_id, source, job_json):
        if delivery_id in self.jobs:
            return False
        self.jobs[delivery_id] = job_json
        return True

class MemoryQueue:
    def __init__(self):
        self.items = []
    def submit(self, kind, key, resume=None):
        self.items.append((kind, key))
    def close(self):
        pass

app = FastAPI()
app.include_router(webhook_router(Settings(), MemoryDeliveries(), MemoryQueue()))
@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
"""


def run_app(args: argparse.Namespace, source: str, path: str, signed: bool,
            env: dict[str, str] | None = None) -> dict[str, Any]:
    port = free_port()
    app = subprocess.Popen([sys.executable, "-c", source, str(port)], env=env, cwd=ROOT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        return burst(f"http://127.0.0.1:{port}", path, args, signed=signed)
    finally:
        app.terminate()
        app.wait()


def run_serve(args: argparse.Namespace, env: dict[str, str], home: Path) -> dict[str, Any]:
    port = free_port()
    log = (home.parent / "server.log").open("a")
    server = subprocess.Popen([str(ROOT / ".venv/bin/alertfix"), "serve", "--host",
                               "127.0.0.1", "--port", str(port), "--home", str(home)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        return burst(f"http://127.0.0.1:{port}", "/webhooks/sentry", args, signed=True)
    finally:
        server.terminate()
        server.wait()


def fresh_postgres(url: str) -> str:
    import psycopg

    name = f"alertfix_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--faults", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]

    from agent.demo import build_service

    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    shop = work / "shop"
    build_service(shop)
    base_env = {**os.environ, "ALERTFIX_SENTRY_CLIENT_SECRET": SECRET,
                "ALERTFIX_SERVICES": json.dumps({"*": {"repository": str(shop)}}),
                "ALERTFIX_INGEST_KEYS": "bench"}
    results: dict[str, list[dict[str, Any]]] = {}
    configurations = {
        "bare FastAPI": lambda: run_app(args, NOOP_APP, "/noop", signed=False),
        "in-memory queue": lambda: run_app(args, MEMORY_APP, "/webhooks/sentry", signed=True,
                                           env=base_env),
        "durable, SQLite": lambda: run_serve(args, base_env, work / f"h{time.time()}"),
        "durable, Postgres+Celery": lambda: run_serve(args, {
            **base_env, "ALERTFIX_QUEUE": "celery", "ALERTFIX_BROKER_URL": args.broker,
            "ALERTFIX_BROKER_QUEUE": f"bench-{os.getpid()}",
            "ALERTFIX_DATABASE_URL": fresh_postgres(args.postgres)}, work / f"h{time.time()}"),
    }
    for _ in range(2):  # interleaved twice: the machine's load drifts
        for name, run in configurations.items():
            results.setdefault(name, []).append(run())
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (at start "
          f"{load_at_start:.1f}); {args.deliveries} signed deliveries, {args.faults} faults, "
          f"{args.concurrency} client connections; each configuration run twice, interleaved")
    bare = statistics.mean(r["rate"] for r in results["bare FastAPI"])
    bare_p99 = statistics.mean(r["p99_ms"] for r in results["bare FastAPI"])
    for name, runs in results.items():
        rate = statistics.mean(r["rate"] for r in runs)
        p99 = statistics.mean(r["p99_ms"] for r in runs)
        p50 = statistics.mean(r["p50_ms"] for r in runs)
        print(f"{name:26s} {rate:7.0f}/s (x{rate / bare:.2f} of bare)  p50 {p50:6.2f} ms  "
              f"p99 {p99:7.2f} ms (x{p99 / bare_p99:.1f})  statuses {runs[0]['statuses']}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
