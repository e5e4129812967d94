"""`alertfix serve`: the FastAPI app with the webhooks and the Sentry-compatible ingest.

    create_app(settings)             the app (its queue at `app.state.worker`)
    serve(settings, host, port)      run it under uvicorn until interrupted

Deliveries are recorded in the store before they are acknowledged; the embedded queue runs
them in this process, or (ALERTFIX_QUEUE=celery) `alertfix worker` processes do.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from agent.incidents.service import IncidentService
from agent.incidents.store import StoreUnavailable
from agent.server.dispatcher import Job, WriteCheck
from agent.server.ingest import ingest_router
from agent.server.webhooks import webhook_router
from agent.server.workers import TICK_INTERVAL_S, CeleryQueue, EmbeddedQueue, WorkQueue
from agent.settings import Settings
from tools.monitors.local import EventStore
from tools.ports import Alert

log = logging.getLogger("alertfix.server")


def create_app(settings: Settings, service: IncidentService | None = None, *,
               can_write: WriteCheck | None = None,
               tick_interval_s: float = TICK_INTERVAL_S) -> FastAPI:
    """The server app. Its queue starts now; `app.state.worker.close()` (or the app's
    shutdown) stops it."""
    service = service or IncidentService(settings)
    work: WorkQueue = (CeleryQueue(settings) if settings.queue == "celery" else
                       EmbeddedQueue(settings, service, can_write=can_write,
                                     tick_interval_s=tick_interval_s))
    store = EventStore(settings.home / "events.db")

    def on_event(project: str, event: dict[str, Any], alert: Alert) -> None:
        delivery = f"ingest:{event.get('event_id') or alert.fingerprint}"
        job = Job(kind="alert", source="sentry", payload=event, names=[project])
        try:
            if service.store.add_delivery(delivery, "ingest", job.model_dump_json()):
                work.submit("delivery", delivery)
        except StoreUnavailable:
            log.error("ingest event %s stored but not recorded for work: the store is down",
                      delivery)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        work.close()

    app = FastAPI(title="alertfix", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.worker = work
    app.state.service = service
    app.include_router(webhook_router(settings, service.store, work))
    app.include_router(ingest_router(store, settings.ingest_keys, on_event,
                                     settings.ingest_max_bytes))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the deliveries by state: counts only, nothing about the alerts."""
        try:
            return {"ok": True, "deliveries": service.store.delivery_counts()}
        except StoreUnavailable:
            return {"ok": False, "deliveries": {}}

    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted. Access logs are off: refusals are logged with their reason,
    and a line per accepted delivery would cost more than handling it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    if not settings.ingest_keys:
        log.warning("ALERTFIX_INGEST_KEYS is empty: the ingest accepts any DSN key")
    app = create_app(settings)
    # Everything imported so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every request for ~100 ms now and then.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
