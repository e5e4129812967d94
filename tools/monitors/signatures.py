"""Webhook signature checks: always over the raw body bytes, in constant time.

Each check raises SignatureError with a reason that is safe to log (it never quotes a secret
or the signature received).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable


class SignatureError(ValueError):
    """The delivery is not authentic or not fresh (HTTP 401)."""


def hmac_sha256(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _matches(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.encode(), received.strip().lower().encode())


def verify_github(secret: str, body: bytes, header: str | None) -> None:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`."""
    if not header:
        raise SignatureError("missing X-Hub-Signature-256")
    scheme, _, digest = header.partition("=")
    if scheme.strip().lower() != "sha256" or not _matches(hmac_sha256(secret, body), digest):
        raise SignatureError("X-Hub-Signature-256 does not match the body")


def verify_sentry(secret: str, body: bytes, signature: str | None, timestamp: str | None,
                  window_s: float, now: float | None = None) -> None:
    """`Sentry-Hook-Signature: <hex HMAC-SHA256(client secret, body)>`, plus a fresh
    `Sentry-Hook-Timestamp` (epoch seconds; not signed, so it only stops naive replays)."""
    if not signature:
        raise SignatureError("missing Sentry-Hook-Signature")
    if not _matches(hmac_sha256(secret, body), signature):
        raise SignatureError("Sentry-Hook-Signature does not match the body")
    check_fresh(timestamp, window_s, now, header="Sentry-Hook-Timestamp")


def check_fresh(timestamp: str | None, window_s: float, now: float | None = None,
                header: str = "timestamp") -> None:
    """The timestamp is within `window_s` of now, either way (clocks drift both ways)."""
    if not timestamp:
        raise SignatureError(f"missing {header}")
    try:
        sent = float(timestamp)
    except ValueError:
        raise SignatureError(f"{header} is not epoch seconds") from None
    age = (time.time() if now is None else now) - sent
    if not abs(age) <= window_s:  # also rejects NaN
        raise SignatureError(f"{header} is {age:.0f} s from now (window {window_s:.0f} s): "
                             "stale or replayed")


def verify_pagerduty(secrets: Iterable[str], body: bytes, header: str | None) -> None:
    """`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`: during a secret rotation PagerDuty
    signs with every active secret; accept when any signature matches any of ours."""
    if not header:
        raise SignatureError("missing X-PagerDuty-Signature")
    received = [part.strip()[3:] for part in header.split(",")
                if part.strip().lower().startswith("v1=")]
    expected = [hmac_sha256(secret, body) for secret in secrets]
    # Compare every pair so that timing does not reveal which one matched.
    matched = False
    for digest in received:
        for mine in expected:
            matched |= _matches(mine, digest)
    if not matched:
        raise SignatureError("no X-PagerDuty-Signature matches the body")
