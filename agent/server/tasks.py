"""Celery tasks for `alertfix worker`: any number of workers on any number of machines share
the broker (ALERTFIX_BROKER_URL: Redis by default, RabbitMQ works too) and the store
(ALERTFIX_DATABASE_URL: Postgres).

Tasks are acknowledged late and rejected when their worker dies, so a killed worker's task is
delivered again; the store makes a redelivery of done work a no-op, and the incident lease
keeps two workers off one incident (a task that finds it leased is retried later). Each
worker also runs the timers (agent/incidents/service.py `due`) and requeues deliveries that
were acknowledged but never queued.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, Task

from agent.settings import Settings

log = logging.getLogger("alertfix.worker")
app = Celery("alertfix")
_state: dict[str, Any] = {}


def configure(settings: Settings) -> Celery:
    app.conf.update(
        broker_url=settings.broker_url,
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_default_queue=settings.broker_queue, task_serializer="json", accept_content=["json"],
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None,
        task_publish_retry=False,  # the store keeps the delivery: the timer publishes again
        broker_transport_options={"visibility_timeout": settings.redeliver_after_s * 4},
        worker_hijack_root_logger=False, task_ignore_result=True)
    _state["settings"] = settings
    return app


def _dispatcher() -> Any:
    if "dispatcher" not in _state:
        from agent.server.dispatcher import Dispatcher
        from agent.server.workers import CeleryQueue

        settings: Settings = _state.get("settings") or Settings()
        _state["dispatcher"] = Dispatcher.from_settings(settings, CeleryQueue(settings).submit)
    return _state["dispatcher"]


@app.task(name="alertfix.delivery", bind=True, max_retries=None)
def delivery(self: Task, delivery_id: str) -> None:
    if not _dispatcher().run_delivery(delivery_id):
        raise self.retry(countdown=2)


@app.task(name="alertfix.advance", bind=True, max_retries=None)
def advance(self: Task, incident_id: str, resume: str | None = None) -> None:
    if not _dispatcher().run_advance(incident_id, resume):
        raise self.retry(countdown=2)


def run_worker(settings: Settings, tick_interval_s: float, loglevel: str = "INFO") -> None:
    """`alertfix worker`: one task at a time (scale with more workers), the timers on a
    thread beside it."""
    configure(settings)
    stop = threading.Event()

    def timers() -> None:
        while not stop.wait(tick_interval_s):
            _dispatcher().tick(settings.redeliver_after_s)

    threading.Thread(target=timers, name="alertfix-timers", daemon=True).start()
    try:
        app.Worker(pool="solo", concurrency=1, loglevel=loglevel, without_gossip=True,
                   without_mingle=True, without_heartbeat=True).start()
    finally:
        stop.set()
