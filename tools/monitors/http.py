"""JSON over HTTP for the monitors' APIs, with the error family every port shares.

A monitor that is rate limited or answering 5xx is retried a few times (honouring
`Retry-After` when it is short); after that the caller gets `MonitorUnavailable` (with the
wait asked for in `retry_after`) and the incident waits, so an outage is never read as "no
events". 401/403/400-class answers are `MonitorRefused`, 404 `MonitorNotFound` (the kinds
of `tools.ports`). Credentials never reach a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from tools.ports import (
    MonitorNotFound,
    MonitorRefused,
    MonitorUnavailable,
    RetryPolicy,
    retry_after_seconds,
)

__all__ = ["MonitorAPI", "MonitorNotFound", "MonitorRefused", "MonitorUnavailable"]
# Monitors are read while an incident waits: a short bound, then the incident waits instead.
DEFAULT_RETRY = RetryPolicy(attempts=3, backoff=0.2, max_wait=5.0)

RETRIED = frozenset({408, 429, 500, 502, 503, 504})
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next";\s*results="(true|false)"')


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the service asked us to wait (`Retry-After`, seconds or a date), if it said."""
    return retry_after_seconds(response.headers.get("retry-after")
                               or response.headers.get("x-ratelimit-reset"))


class MonitorAPI:
    """One monitor's HTTP API: `name` labels every error ("Sentry", "PagerDuty", ...)."""

    def __init__(self, name: str, base_url: str, headers: dict[str, str], *,
                 timeout_s: float = 10.0, retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.name, self.retry = name, retry or DEFAULT_RETRY
        self.base_url = base_url.rstrip("/") + "/"
        self._options: dict[str, Any] = {"headers": headers, "timeout": timeout_s,
                                         "transport": transport}
        self._client: httpx.Client | None = None

    @property
    def _http(self) -> httpx.Client:
        # Made on first use: a context builds every configured monitor, most go unused.
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url, **self._options)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer to one request; MonitorUnavailable once retries are spent, Refused on
        401/403/400-class answers, NotFound on 404."""
        what = f"{self.name} {method} {path.split('?')[0]}"
        policy = self.retry
        for attempt in range(policy.attempts):
            last = attempt == policy.attempts - 1
            try:
                response = self._http.request(method, path.lstrip("/"), **kwargs)
            except httpx.HTTPError as exc:
                if last:
                    raise MonitorUnavailable(f"{what} failed after {policy.attempts} tries: "
                                             f"{type(exc).__name__}") from None
                policy.sleep(policy.delay(attempt))
                continue
            if response.status_code not in RETRIED:
                break
            wait = retry_after(response)
            if last or (wait is not None and wait > policy.max_wait):
                asked = f"; asked to wait {wait:.0f}s" if wait is not None else ""
                raise MonitorUnavailable(f"{what} answered {response.status_code} after "
                                         f"{attempt + 1} tries{asked}", retry_after=wait)
            policy.sleep(wait if wait is not None else policy.delay(attempt))
        if response.status_code in (401, 403):
            raise MonitorRefused(f"{what} answered {response.status_code}: check the "
                                 f"{self.name} token and its scopes")
        if response.status_code == 404:
            raise MonitorNotFound(f"{what} answered 404")
        if response.status_code >= 400:
            raise MonitorRefused(f"{what} answered {response.status_code}: "
                                 f"{response.text[:200]}")
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise MonitorUnavailable(f"{self.name} {method} {path} answered with something "
                                     "other than JSON") from None

    def link_pages(self, path: str, params: dict[str, Any],
                   max_pages: int) -> Iterator[tuple[list[Any], bool]]:
        """The pages of a list that paginates with `Link: <…>; rel="next"; results="true"`
        (Sentry's cursors), up to `max_pages`; each with whether more pages follow."""
        url = path
        for number in range(1, max_pages + 1):
            response = self.request("GET", url, params=params if url == path else None)
            body = response.json()
            found = _NEXT_LINK.search(response.headers.get("link", ""))
            more = found is not None and found.group(2) == "true"
            yield (body if isinstance(body, list) else []), more
            if not more or number == max_pages:
                return
            assert found is not None
            url = found.group(1)
            if not url.startswith(self.base_url):  # never send the token elsewhere
                raise MonitorUnavailable(f"{self.name} pointed the next page outside its API")

    def offset_pages(self, path: str, key: str, params: dict[str, Any], max_pages: int,
                     limit: int = 100) -> Iterator[list[Any]]:
        """The pages of a list that paginates with `limit`/`offset`/`more` (PagerDuty)."""
        for page in range(max_pages):
            body = self.json("GET", path, params={**params, "limit": limit,
                                                  "offset": page * limit})
            items = body.get(key) if isinstance(body, dict) else None
            yield [i for i in items or [] if isinstance(i, dict)]
            if not (isinstance(body, dict) and body.get("more")):
                return


def parse_time(value: Any) -> datetime | None:
    """An API's ISO 8601 timestamp ("Z" or an offset; naive read as UTC), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
