"""One GET against a monitor's REST API (Sentry, PagerDuty), with the error contract of
`tools.ports`: bounded retries on rate limits (Retry-After honoured up to a cap), 5xx and
connection errors, then `MonitorUnavailable`; 404 is `MonitorNotFound`; any other refusal
(401, 403, 400, ...) is `MonitorRefused`. Messages name the request, never the token."""

from __future__ import annotations

from typing import Any

import httpx

from tools.ports import (
    MonitorNotFound,
    MonitorRefused,
    MonitorUnavailable,
    RetryPolicy,
    retry_after_seconds,
)


def get_json(http: httpx.Client, path: str, service: str,
             params: dict[str, Any] | None = None,
             retry: RetryPolicy | None = None) -> Any:
    """The JSON body of `GET path`, or one of the monitor errors."""
    policy = retry or RetryPolicy()
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        try:
            response = http.get(path, params=params)
        except httpx.HTTPError as exc:
            if last:
                raise MonitorUnavailable(
                    f"{service}: GET {path} failed after {policy.attempts} tries: "
                    f"{type(exc).__name__}") from None
            policy.sleep(policy.delay(attempt))
            continue
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise MonitorRefused(
                    f"{service}: GET {path} answered with something other than JSON") from None
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            delay = wait if wait is not None else policy.delay(attempt)
            if last or delay > policy.max_wait:
                raise MonitorUnavailable(
                    f"{service}: GET {path} answered {status} "
                    f"({'rate limited' if status == 429 else 'server error'}) after "
                    f"{attempt + 1} tries" + (f"; asked to wait {wait:.0f}s" if wait else ""),
                    retry_after=wait)
            policy.sleep(delay)
            continue
        if status == 404:
            raise MonitorNotFound(f"{service}: GET {path} answered 404")
        raise MonitorRefused(f"{service}: GET {path} answered {status}"
                             + (" (check the API token and its scopes)"
                                if status in (401, 403) else ""))
    raise AssertionError("unreachable")  # the loop always returns or raises
