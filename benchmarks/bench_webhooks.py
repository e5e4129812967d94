"""A burst of signed Sentry deliveries against `alertfix serve`, from a separate client process.

    python benchmarks/bench_webhooks.py [--deliveries 10000] [--faults 200] [--concurrency 8]

Starts `alertfix serve` (a subprocess, the demo's shop as the mapped repository) and, first,
a no-op FastAPI endpoint under the same uvicorn settings as the baseline. The client process
pre-builds and signs every delivery (one fault per `i % faults`, each with its own event id,
line and message), then sends them over keep-alive connections and times each
acknowledgement. Afterwards it waits for the worker to drain and checks that exactly one
incident exists per fault. Faults point at code outside the repository, so each incident
escalates after RCA: the work behind the burst is real but short.
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

def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The same burst against a no-op endpoint (no signature, no work) under uvicorn."""
    port = free_port()
    noop = subprocess.Popen([sys.executable, "-c", NOOP_APP, str(port)])
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        return burst(f"http://127.0.0.1:{port}", "/noop", args, signed=False)
    finally:
        noop.terminate()
        noop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--faults", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]

    from agent.demo import build_service
    from agent.runtime import AlertfixRuntime
    from agent.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    shop = work / "shop"
    build_service(shop)
    home = work / ".alertfix"

    baselines = [run_baseline(args)]  # before and after: the machine's load drifts

    port = free_port()
    env = {**os.environ, "ALERTFIX_SENTRY_CLIENT_SECRET": SECRET,
           "ALERTFIX_SERVICES": json.dumps({"*": {"repository": str(shop)}}),
           "ALERTFIX_INGEST_KEYS": "bench"}
    log = (work / "server.log").open("w")
    server = subprocess.Popen([str(ROOT / ".venv/bin/alertfix"), "serve", "--host",
                               "127.0.0.1", "--port", str(port), "--home", str(home)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        measured = burst(url, "/webhooks/sentry", args, signed=True)
        drain_started = time.monotonic()
        while True:
            state = health(url)
            if state["backlog"] == 0:
                break
            time.sleep(1)
        drain_s = time.monotonic() - drain_started
    finally:
        server.terminate()
        server.wait()
    incidents = AlertfixRuntime(Settings(home=home)).incidents()
    baselines.append(run_baseline(args))
    baseline = {key: statistics.mean(b[key] for b in baselines)
                for key in ("rate", "p50_ms", "p99_ms", "max_ms")}
    baseline["statuses"] = baselines[0]["statuses"]

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (at start "
          f"{load_at_start:.1f}); "
          f"{args.deliveries} deliveries, {args.faults} faults, "
          f"{args.concurrency} client connections")
    for name, result in (("no-op baseline", baseline), ("alertfix serve", measured)):
        print(f"{name:15s} {result['rate']:8.0f} deliveries/s   p50 {result['p50_ms']:6.2f} ms"
              f"   p99 {result['p99_ms']:6.2f} ms   max {result['max_ms']:7.2f} ms"
              f"   statuses {result['statuses']}")
    print(f"acks over 100 ms: {len(measured['slow'])} (alertfix), "
          f"{sum(len(b['slow']) for b in baselines)} (baselines); alertfix's, as (s into "
          f"the burst, delivery, ms): " + ", ".join(
              f"({at:.1f}, {n}, {took * 1000:.0f})" for at, n, took in measured["slow"][:12]))
    print("baseline runs (before, after): " + ", ".join(
        f"{b['rate']:.0f}/s p99 {b['p99_ms']:.1f} ms" for b in baselines))
    print(f"ratio alertfix/baseline: throughput {measured['rate'] / baseline['rate']:.2f}, "
          f"p50 {measured['p50_ms'] / baseline['p50_ms']:.2f}, "
          f"p99 {measured['p99_ms'] / baseline['p99_ms']:.2f}")
    print(f"worker: drained {drain_s:.0f} s after the burst; {state['processed']} processed, "
          f"{state['failed']} failed, {state['started']} incidents started, "
          f"{state['attached']} occurrences attached")
    statuses: dict[str, int] = {}
    for report in incidents:
        statuses[report.status] = statuses.get(report.status, 0) + 1
    ok = len(incidents) == args.faults
    print(f"incidents: {len(incidents)} for {args.faults} distinct faults "
          f"({'OK' if ok else 'MISMATCH'}); {statuses}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"targets: >= 1000 deliveries/s {'met' if measured['rate'] >= 1000 else 'MISSED'}, "
          f"p99 < 50 ms {'met' if measured['p99_ms'] < 50 else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
