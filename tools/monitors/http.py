"""JSON over HTTP for the monitors' APIs, with the error family every port shares.

A monitor that is rate limited or answering 5xx is retried a few times (honouring
`Retry-After` when it is short); after that the caller gets `MonitorUnavailable` and the
incident waits, so an outage is never read as "no events". Credentials never reach a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx

from tools.ports import NotFound, Refused, Unavailable


class MonitorUnavailable(Unavailable):
    port = "monitor"


class MonitorRefused(Refused):
    port = "monitor"


class MonitorNotFound(NotFound):
    port = "monitor"


RETRIED = frozenset({408, 429, 500, 502, 503, 504})
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next";\s*results="(true|false)"')


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the service asked us to wait (`Retry-After` in seconds), if it said."""
    value = response.headers.get("retry-after") or response.headers.get("x-ratelimit-reset")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class MonitorAPI:
    """One monitor's HTTP API: `name` labels every error ("Sentry", "PagerDuty", ...)."""

    def __init__(self, name: str, base_url: str, headers: dict[str, str], *,
                 timeout_s: float = 10.0, retries: int = 2, max_wait_s: float = 5.0) -> None:
        self.name, self.retries, self.max_wait_s = name, retries, max_wait_s
        self.base_url = base_url.rstrip("/") + "/"
        self._options: dict[str, Any] = {"headers": headers, "timeout": timeout_s}
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
        for attempt in range(self.retries + 1):
            try:
                response = self._http.request(method, path.lstrip("/"), **kwargs)
            except httpx.HTTPError as exc:
                if attempt == self.retries:
                    raise MonitorUnavailable(f"{what} failed: {type(exc).__name__}") from None
                time.sleep(min(0.2 * 2 ** attempt, self.max_wait_s))
                continue
            if response.status_code not in RETRIED:
                break
            wait = retry_after(response)
            if attempt == self.retries or (wait is not None and wait > self.max_wait_s):
                raise MonitorUnavailable(f"{what} answered {response.status_code}",
                                         retry_after=wait)
            time.sleep(wait if wait is not None else min(0.2 * 2 ** attempt, self.max_wait_s))
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
