"""Error-rate series from a metrics backend, for comparing a service before the fault, during
it, and after the deploy. A query must answer errors per second; several series are summed.

- Prometheus: `GET /api/v1/query_range?query=&start=&end=&step=` (httpx), answering
  `{"status": "success", "data": {"resultType": "matrix", "result": [{"values": [[t, "v"]]}]}}`.
- Datadog: `GET /api/v1/query?from=&to=&query=` through the official `datadog-api-client`
  (`MetricsApi.query_metrics`), answering `series[].pointlist` of `[ms, value]`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Protocol

import urllib3
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, OpenApiException
from datadog_api_client.v1.api.metrics_api import MetricsApi

from tools.monitors.http import MonitorAPI, MonitorRefused, MonitorUnavailable

Point = tuple[datetime, float]
MAX_POINTS = 1000  # per query: well under Prometheus' 11,000-point limit


def step_for(start: datetime, end: datetime) -> int:
    """Seconds between points: at least a minute, at most MAX_POINTS points."""
    return max(60, math.ceil((end - start).total_seconds() / MAX_POINTS))


def _summed(pairs: list[tuple[float, float]]) -> list[Point]:
    total: dict[float, float] = defaultdict(float)
    for stamp, value in pairs:
        if math.isfinite(value):
            total[stamp] += value
    return [(datetime.fromtimestamp(t, UTC), v) for t, v in sorted(total.items())]


class ErrorRates(Protocol):
    name: str

    def series(self, query: str, start: datetime, end: datetime, step_s: int) -> list[Point]:
        """Errors per second at each step in [start, end], summed over series."""
        ...


class Prometheus:
    name = "prometheus"

    def __init__(self, api: MonitorAPI) -> None:
        self.api = api

    def series(self, query: str, start: datetime, end: datetime, step_s: int) -> list[Point]:
        body = self.api.json("GET", "api/v1/query_range", params={
            "query": query, "start": f"{start.timestamp():.3f}", "end": f"{end.timestamp():.3f}",
            "step": f"{step_s}s"})
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            raise MonitorRefused(f"Prometheus refused the query: {str(error)[:200]}")
        data = body.get("data") or {}
        if data.get("resultType") != "matrix":
            raise MonitorRefused(f"Prometheus answered a {data.get('resultType')!r}, not a "
                                 "matrix: the error-rate query must be a range vector")
        pairs = [(float(t), float(v)) for s in data.get("result") or []
                 for t, v in s.get("values") or []]
        return _summed(pairs)


class Datadog:
    name = "datadog"

    def __init__(self, host: str, api_key: str, app_key: str, retries: int = 2) -> None:
        config = Configuration(host=host.rstrip("/"), enable_retry=True, max_retries=retries,
                               retry_backoff_factor=2)  # the least the client allows
        config.api_key["apiKeyAuth"] = api_key
        config.api_key["appKeyAuth"] = app_key
        self._metrics = MetricsApi(ApiClient(config))

    def series(self, query: str, start: datetime, end: datetime, step_s: int) -> list[Point]:
        try:
            answer = self._metrics.query_metrics(_from=int(start.timestamp()),
                                                 to=int(end.timestamp()), query=query)
        except ApiException as exc:
            status = exc.status or 0
            if status in (401, 403):
                raise MonitorRefused(f"Datadog answered {status}: check the API and "
                                     "application keys") from None
            if status == 429 or status >= 500:
                raise MonitorUnavailable(f"Datadog answered {status}") from None
            raise MonitorRefused(f"Datadog refused the query ({status})") from None
        except (urllib3.exceptions.HTTPError, OpenApiException) as exc:
            raise MonitorUnavailable(f"Datadog could not be asked: {type(exc).__name__}") \
                from None
        body: dict[str, Any] = answer.to_dict()
        if body.get("status") == "error":
            raise MonitorRefused(f"Datadog refused the query: {str(body.get('error'))[:200]}")
        pairs = [(float(p[0]) / 1000, float(p[1])) for s in body.get("series") or []
                 for p in s.get("pointlist") or [] if p and p[1] is not None]
        return _summed(pairs)
