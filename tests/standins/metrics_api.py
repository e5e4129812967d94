"""Stand-ins for the two metrics APIs verify reads: Prometheus' HTTP API and Datadog's.

    with prometheus_standin() as prom:
        prom.add_series('sum(rate(errors_total[5m]))', lambda t: 0.5)  # errors/s at time t
        Prometheus(MonitorAPI("Prometheus", prom.origin, {})).series(...)

    with datadog_standin() as dd:
        dd.add_series("sum:errors{service:shop}.as_rate()", lambda t: 0.5)
        Datadog(dd.origin, dd.api_key, dd.app_key).series(...)

Prometheus: `GET|POST /api/v1/query_range` (query, start, end, step as seconds or a
duration like `60s`); the 11,000-points-per-series limit and a parse error answer 400 with
`{"status": "error", "errorType": "bad_data"}`, as Prometheus does. Datadog: `GET /api/v1/query`
(from, to in seconds) with `DD-API-KEY` and `DD-APPLICATION-KEY`; 403 otherwise; it picks the
interval itself (here: a 20th of a minute per hour of span, at least 60 s).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

from tests.standins._http import Request, Response, StandInServer, json_response

Rate = Callable[[float], float]  # epoch seconds -> errors per second


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", value)
    if match is None:
        raise ValueError(value)
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


class PrometheusStandIn(StandInServer):
    def __init__(self) -> None:
        super().__init__()
        self.series: dict[str, list[Rate]] = {}
        self.route("GET", r"/api/v1/query_range", self._query_range)
        self.route("POST", r"/api/v1/query_range", self._query_range)

    def add_series(self, query: str, rate: Rate) -> None:
        """One more series the query answers (several are summed by the client)."""
        with self.lock:
            self.series.setdefault(query, []).append(rate)

    def _query_range(self, req: Request) -> Response:
        args = {k: v[0] for k, v in req.query.items()}
        if req.method == "POST":
            args.update({k: v[0] for k, v in parse_qs(req.body.decode()).items()})

        def bad(message: str) -> Response:
            return json_response(400, {"status": "error", "errorType": "bad_data",
                                       "error": message})

        try:
            start, end = float(args["start"]), float(args["end"])
            step = _seconds(args["step"])
        except (KeyError, ValueError) as exc:
            return bad(f"invalid parameter {exc}")
        if end < start or step <= 0:
            return bad("end timestamp must not be before start time")
        if (end - start) / step > 11000:
            return bad("exceeded maximum resolution of 11,000 points per timeseries. "
                       "Try decreasing the query resolution (?step=XX)")
        query = args.get("query", "")
        if query.count("(") != query.count(")"):
            return bad("1:1: parse error: unclosed left parenthesis")
        stamps = [start + i * step for i in range(int((end - start) // step) + 1)]
        with self.lock:
            rates = list(self.series.get(query, []))
        result = [{"metric": {"series": str(n)},
                   "values": [[t, repr(rate(t))] for t in stamps]}
                  for n, rate in enumerate(rates)]
        return json_response(200, {"status": "success",
                                   "data": {"resultType": "matrix", "result": result}})


class DatadogStandIn(StandInServer):
    def __init__(self) -> None:
        super().__init__()
        self.api_key, self.app_key = "dd-api-key", "dd-app-key"
        self.series: dict[str, list[Rate]] = {}
        self.route("GET", r"/api/v1/query", self._query)

    def add_series(self, query: str, rate: Rate) -> None:
        with self.lock:
            self.series.setdefault(query, []).append(rate)

    def _query(self, req: Request) -> Response:
        if (req.headers.get("dd-api-key") != self.api_key
                or req.headers.get("dd-application-key") != self.app_key):
            return json_response(403, {"errors": ["Forbidden"]})
        try:
            start, end = int(req.arg("from") or ""), int(req.arg("to") or "")
        except ValueError:
            return json_response(400, {"errors": ["from and to must be integers"]})
        query = req.arg("query") or ""
        interval = max(60, math.ceil((end - start) / 3600) * 20)
        stamps = list(range(start - start % interval, end + 1, interval))
        with self.lock:
            rates = list(self.series.get(query, []))
        series: list[dict[str, Any]] = [{
            "metric": query.split("{")[0], "display_name": query, "expression": query,
            "scope": "*", "aggr": "sum", "unit": None, "tag_set": [], "query_index": 0,
            "interval": interval, "length": len(stamps), "start": stamps[0] * 1000,
            "end": stamps[-1] * 1000,
            "pointlist": [[float(t * 1000), rate(t)] for t in stamps]} for rate in rates]
        return json_response(200, {
            "status": "ok", "res_type": "time_series", "series": series, "query": query,
            "from_date": start * 1000, "to_date": end * 1000, "group_by": [], "message": ""})


@contextmanager
def prometheus_standin() -> Iterator[PrometheusStandIn]:
    server = PrometheusStandIn()
    with server.running():
        yield server


@contextmanager
def datadog_standin() -> Iterator[DatadogStandIn]:
    server = DatadogStandIn()
    with server.running():
        yield server
