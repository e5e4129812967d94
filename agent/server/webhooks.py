"""`POST /webhooks/sentry`, `/webhooks/pagerduty`, `/webhooks/github`.

Each handler reads the body within its limit (413), checks the signature over the raw bytes
and the timestamp where there is one (401), parses and checks the shape (400), records the
delivery in the store, durably, once per delivery id (a retry: 200, `duplicate`), queues its
id and answers 202. The store down: 503, and the sender retries. Nothing runs before the
answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from agent.incidents.store import Store, StoreUnavailable
from agent.server.delivery import delivery_id, parse_json, read_body, reject
from agent.server.dispatcher import Job
from agent.server.workers import WorkQueue
from agent.settings import Settings
from tools.monitors import github_events, pagerduty, sentry
from tools.monitors.sentry import as_dict
from tools.monitors.signatures import (
    SignatureError,
    verify_github,
    verify_pagerduty,
    verify_sentry,
)
from tools.ports import AlertParseError

SENTRY_IGNORED = frozenset({"metric_alert", "comment", "installation"})
SENTRY_ISSUE_ACTIONS = frozenset({"created", "unresolved"})
PAGERDUTY_HANDLED = frozenset({"incident.triggered", "incident.reopened", "incident.resolved"})


def _names(*values: Any) -> list[str]:
    return [str(v) for v in values if v not in (None, "")]


async def accept(request: Request, store: Store, work: WorkQueue, delivery: str,
                 job: Job) -> JSONResponse:
    """Record a verified delivery durably, once, then queue it: a retry is a no-op."""
    try:
        first = await run_in_threadpool(store.add_delivery, delivery,
                                        delivery.split(":", 1)[0], job.model_dump_json())
    except StoreUnavailable:
        raise reject(request, 503, "alertfix cannot record deliveries now; retry later"
                     ) from None
    if not first:
        return JSONResponse({"duplicate": True}, status_code=200)
    work.submit("delivery", delivery)
    return JSONResponse({"accepted": True}, status_code=202)


def ignored(reason: str) -> JSONResponse:
    return JSONResponse({"ignored": reason}, status_code=202)


def webhook_router(settings: Settings, store: Store, work: WorkQueue) -> APIRouter:
    router = APIRouter(prefix="/webhooks")
    limit = settings.webhook_max_bytes

    @router.post("/sentry")
    async def sentry_webhook(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        secret = settings.sentry_client_secret
        if secret is None:
            raise reject(request, 401, "no Sentry client secret configured")
        try:
            verify_sentry(secret.get_secret_value(), body,
                          request.headers.get("sentry-hook-signature"),
                          request.headers.get("sentry-hook-timestamp"), settings.webhook_window_s)
        except SignatureError as exc:
            raise reject(request, 401, str(exc)) from None
        payload = parse_json(request, body)
        resource = request.headers.get("sentry-hook-resource")
        delivery = delivery_id("sentry", request.headers.get("request-id"), body)
        if resource in SENTRY_IGNORED:
            return ignored(f"resource {resource}")
        job: Job
        if resource == "issue":
            issue = as_dict(as_dict(payload.get("data")).get("issue"))
            if sentry.issue_id(payload) is None:
                raise reject(request, 400, "an issue webhook needs data.issue.id")
            if payload.get("action") not in SENTRY_ISSUE_ACTIONS:
                return ignored(f"issue {str(payload.get('action'))[:40]}")
            project = as_dict(issue.get("project"))
            job = Job(kind="sentry_issue", payload=payload,
                      names=_names(project.get("slug"), project.get("id")))
        elif resource in ("event_alert", "error", None):  # None: the legacy plugin body
            try:
                event = sentry.checked_event(payload)  # parsed in full by the worker
            except AlertParseError as exc:
                raise reject(request, 400, str(exc)) from None
            if event.get("event_id"):  # signed, unlike Request-ID; one occurrence, one run
                delivery = f"sentry:event:{str(event['event_id'])[:100]}"
            job = Job(kind="alert", source="sentry", payload=payload, names=_names(
                event.get("project"), payload.get("project"), payload.get("project_name")))
        else:
            raise reject(request, 400, f"unknown Sentry-Hook-Resource {resource[:40]!r}")
        return await accept(request, store, work, delivery, job)

    @router.post("/pagerduty")
    async def pagerduty_webhook(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        secrets = [s.get_secret_value() for s in settings.pagerduty_webhook_secrets]
        if not secrets:
            raise reject(request, 401, "no PagerDuty webhook secret configured")
        try:
            verify_pagerduty(secrets, body, request.headers.get("x-pagerduty-signature"))
        except SignatureError as exc:
            raise reject(request, 401, str(exc)) from None
        payload = parse_json(request, body)
        try:
            event = pagerduty.incident_event(payload)
        except AlertParseError as exc:
            raise reject(request, 400, str(exc)) from None
        if event.event_type not in PAGERDUTY_HANDLED:
            return ignored(event.event_type[:60])
        # The event id is inside the signed body: retries share it, forgers cannot pick it.
        delivery = delivery_id("pagerduty", event.id or request.headers.get("x-webhook-id"),
                               body)
        return await accept(request, store, work, delivery,
                            Job(kind="pagerduty", payload=payload))

    @router.post("/github")
    async def github_webhook(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        secret = settings.github_webhook_secret
        if secret is None:
            raise reject(request, 401, "no GitHub webhook secret configured")
        try:
            verify_github(secret.get_secret_value(), body,
                          request.headers.get("x-hub-signature-256"))
        except SignatureError as exc:
            raise reject(request, 401, str(exc)) from None
        payload = parse_json(request, body)
        name = request.headers.get("x-github-event", "")
        try:
            event = github_events.parse_event(name, payload)
        except (AlertParseError, ValueError, TypeError) as exc:
            raise reject(request, 400, f"{name[:40]}: {str(exc)[:160]}") from None
        if event is None:
            return ignored(f"event {name[:40]}")
        if isinstance(event, github_events.DeploymentStatus) and event.state != "success":
            return ignored(f"deployment {event.state[:20]}")
        delivery = delivery_id("github", request.headers.get("x-github-delivery"), body)
        return await accept(request, store, work, delivery,
                            Job(kind="github", payload=payload, event=name))

    return router
