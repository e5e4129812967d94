"""Sentry-compatible ingest: `POST /api/{project}/envelope/` and `/store/`.

Any sentry-sdk can point its DSN at alertfix; events are stored (fingerprinted) and handed to
`on_event`, which decides what to do with them (start an incident, attach to one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from tools.monitors.local import BodyDecodeError, EventStore, decode_body, events_from_envelope
from tools.ports import Alert, AlertParseError

OnEvent = Callable[[str, dict[str, Any], Alert], None]
_SENTRY_KEY = re.compile(r"sentry_key=([^,\s]+)")


def _dsn_key(request: Request) -> str | None:
    header = request.headers.get("x-sentry-auth", "")
    match = _SENTRY_KEY.search(header)
    return match.group(1) if match else request.query_params.get("sentry_key")


def ingest_router(store: EventStore, keys: list[str], on_event: OnEvent) -> APIRouter:
    router = APIRouter()

    async def accept(project_id: str, request: Request, envelope: bool) -> dict[str, Any]:
        key = _dsn_key(request)
        if keys and key not in keys:
            raise HTTPException(401, "unknown DSN key: set it in ALERTFIX_INGEST_KEYS")
        try:
            body = decode_body(await request.body(), request.headers.get("content-encoding", ""))
            if envelope:
                events = events_from_envelope(body)
            else:
                parsed = json.loads(body)
                if not isinstance(parsed, dict):
                    raise BodyDecodeError("a store body must be a JSON object")
                events = [parsed]
        except (BodyDecodeError, ValueError) as exc:
            raise HTTPException(400, str(exc)) from exc
        ids = []
        for event in events:
            try:
                alert = store.add(project_id, event)
            except AlertParseError:
                continue  # a message without an exception: stored nowhere, nothing to fix
            ids.append(event.get("event_id"))
            on_event(project_id, event, alert)
        return {"id": ids[0] if ids else None}

    @router.post("/api/{project_id}/envelope/")
    async def envelope(project_id: str, request: Request) -> dict[str, Any]:
        return await accept(project_id, request, envelope=True)

    @router.post("/api/{project_id}/store/")
    async def store_endpoint(project_id: str, request: Request) -> dict[str, Any]:
        return await accept(project_id, request, envelope=False)

    return router
