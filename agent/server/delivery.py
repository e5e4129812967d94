"""What every endpoint does before a delivery is trusted: bounded reads, rejections that are
logged without secrets, and delivery ids for deduplication."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from fastapi import HTTPException, Request

log = logging.getLogger("alertfix.server")


def reject(request: Request, status: int, reason: str) -> HTTPException:
    """Log a refused delivery (endpoint, client, reason: never a header value or body) and
    build the HTTP error that says why."""
    client = request.client.host if request.client else "?"
    log.warning("%s %s from %s refused (%d): %s", request.method, request.url.path, client,
                status, reason)
    return HTTPException(status, reason)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise reject(request, 413, f"body of {length} bytes exceeds the limit of {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise reject(request, 413, f"body exceeds the limit of {limit} bytes")
    return bytes(body)


def parse_json(request: Request, body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise reject(request, 400, f"body is not JSON: {str(exc)[:120]}") from None
    if not isinstance(payload, dict):
        raise reject(request, 400, "body must be a JSON object")
    return payload


def delivery_id(source: str, header: str | None, body: bytes) -> str:
    """The sender's delivery id, stable across its retries; else a digest of the body."""
    if header and len(header) <= 200:
        return f"{source}:{header}"
    return f"{source}:sha256:{hashlib.sha256(body).hexdigest()}"
