"""Sentry-compatible ingest: `POST /api/{project}/envelope/` and `/store/`.

Any sentry-sdk can point its DSN at alertfix; events are stored (fingerprinted) and handed to
`on_event`, which decides what to do with them (start an incident, attach to one). Bodies
are bounded before and after decompression; sessions, transactions, attachments and client
reports are passed over.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from agent.server.delivery import read_body, reject
from tools.monitors.local import (
    MAX_DECODED_BYTES,
    BodyDecodeError,
    BodyTooLarge,
    EventStore,
    decode_body,
    events_from_envelope,
)
from tools.ports import Alert, AlertParseError

OnEvent = Callable[[str, dict[str, Any], Alert], None]
_SENTRY_KEY = re.compile(r"sentry_key=([^,\s]+)")


def _dsn_key(request: Request) -> str | None:
    header = request.headers.get("x-sentry-auth", "")
    match = _SENTRY_KEY.search(header)
    return match.group(1) if match else request.query_params.get("sentry_key")


def _known(key: str | None, keys: list[str]) -> bool:
    found = False
    for known in keys:  # every comparison, constant time each
        found |= key is not None and hmac.compare_digest(key.encode(), known.encode())
    return found


def ingest_router(store: EventStore, keys: list[str], on_event: OnEvent,
                  max_bytes: int = MAX_DECODED_BYTES) -> APIRouter:
    """`keys` empty accepts any key (the demo); a server always configures them."""
    router = APIRouter()

    async def accept(project_id: str, request: Request, envelope: bool) -> dict[str, Any]:
        if keys and not _known(_dsn_key(request), keys):
            raise reject(request, 403, "unknown DSN key: set it in ALERTFIX_INGEST_KEYS")
        raw = await read_body(request, max_bytes)
        try:
            body = decode_body(raw, request.headers.get("content-encoding", ""), max_bytes)
            if envelope:
                events = events_from_envelope(body)
            else:
                parsed = json.loads(body)
                if not isinstance(parsed, dict):
                    raise BodyDecodeError("a store body must be a JSON object")
                events = [parsed]
        except BodyTooLarge as exc:
            raise reject(request, 413, str(exc)) from None
        except (BodyDecodeError, ValueError) as exc:
            raise reject(request, 400, str(exc)[:200]) from None
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
