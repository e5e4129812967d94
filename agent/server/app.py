"""`alertfix serve`: the FastAPI app with the webhooks, the Sentry-compatible ingest and the
worker that runs incidents after the acknowledgement.

    create_app(settings)             the app (its worker at `app.state.worker`)
    serve(settings, host, port)      run it under uvicorn until interrupted
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from agent.runtime import AlertfixRuntime
from agent.server.dispatcher import AlertJob, Dispatcher, WriteCheck
from agent.server.ingest import ingest_router
from agent.server.webhooks import webhook_router
from agent.server.workers import (
    TICK_INTERVAL_S,
    ProcessWorker,
    QueueFull,
    ThreadWorker,
    Worker,
)
from agent.settings import Settings
from tools.monitors.local import EventStore
from tools.ports import Alert

log = logging.getLogger("alertfix.server")


def create_app(settings: Settings, runtime: AlertfixRuntime | None = None, *,
               can_write: WriteCheck | None = None,
               worker: Literal["thread", "process"] = "thread",
               tick_interval_s: float = TICK_INTERVAL_S) -> FastAPI:
    """The server app. Its worker starts now; `app.state.worker.close()` (or the app's
    shutdown) stops it. A `process` worker builds its own runtime and API clients from
    `settings` (`runtime` and `can_write` apply to a `thread` worker)."""
    work: Worker = (
        ProcessWorker(settings, tick_interval_s=tick_interval_s) if worker == "process"
        else ThreadWorker(Dispatcher.from_settings(settings, runtime=runtime,
                                                   can_write=can_write),
                          tick_interval_s=tick_interval_s))
    store = EventStore(settings.home / "events.db")

    def on_event(project: str, event: dict[str, Any], alert: Alert) -> None:
        delivery = f"ingest:{event.get('event_id') or alert.fingerprint}"
        try:
            work.submit(delivery, AlertJob("sentry", event, (project,)))
        except QueueFull:
            log.error("work queue full: ingest event %s stored but not acted on", delivery)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        work.close()

    app = FastAPI(title="alertfix", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.worker = work
    app.include_router(webhook_router(settings, work))
    app.include_router(ingest_router(store, settings.ingest_keys, on_event,
                                     settings.ingest_max_bytes))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the backlog: counts only, nothing about the alerts themselves."""
        return {"ok": True, "backlog": work.backlog, "accepted": work.accepted,
                **work.stats.as_dict()}

    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted, with incidents run in a worker process. Access logs are off:
    refusals are logged with their reason, and a line per accepted delivery would cost more
    than handling it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    if not settings.ingest_keys:
        log.warning("ALERTFIX_INGEST_KEYS is empty: the ingest accepts any DSN key")
    app = create_app(settings, worker="process")
    # Everything imported so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every request for ~100 ms now and then.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
