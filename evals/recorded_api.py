"""A case's recorded REST API answers (`api/<source>/<path>.json`), served on 127.0.0.1.

The eval reads alert details the way production does, through the real API client, only
against this server instead of the monitor: `GET <base>/pagerduty/incidents/P1/alerts`
answers `api/pagerduty/incidents/P1/alerts.json`, `GET <base>/sentry/api/0/issues/42/`
answers `api/sentry/issues/42.json`. Query strings are ignored (a recording holds one page);
anything not recorded is a 404.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tools.monitors.pagerduty import PagerDutyClient
from tools.monitors.sentry import SentryClient
from tools.ports import ServiceError

RECORDING_TOKEN = "recorded"  # the server checks nothing; the client insists on a token


def recorded_file(api_dir: Path, url_path: str) -> Path | None:
    """The recording for `url_path`, or None (also for paths that climb out of api/)."""
    relative = unquote(urlsplit(url_path).path).strip("/")
    if relative.startswith("sentry/api/0/"):  # the API's version prefix is not recorded
        relative = "sentry/" + relative.removeprefix("sentry/api/0/")
    if not relative:
        return None
    root = api_dir.resolve()
    target = (root / f"{relative}.json").resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


def _handler(api_dir: Path) -> type[BaseHTTPRequestHandler]:
    class RecordedAnswers(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = recorded_file(api_dir, self.path)
            body = found.read_bytes() if found else b'{"error": {"message": "Not Found"}}'
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the eval's output is the progress bar, not an access log

    return RecordedAnswers


@contextlib.contextmanager
def serve(api_dir: Path) -> Iterator[str]:
    """Serve `api_dir` on a free port of 127.0.0.1; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api_dir))
    thread = threading.Thread(target=server.serve_forever, name="recorded-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _pagerduty(payload: Any, base_url: str) -> Any:
    # What the server's dispatcher does before it starts an incident: join in the alerts.
    client = PagerDutyClient(f"{base_url}/pagerduty", RECORDING_TOKEN)
    try:
        return client.with_alerts(payload)
    finally:
        client.close()


def _sentry(payload: Any, base_url: str) -> Any:
    # The event's issue (`GET /api/0/issues/<id>/`), for its firstSeen: optional, so a case
    # without `api/sentry/issues/<id>.json` keeps its payload as it is.
    client = SentryClient(f"{base_url}/sentry", RECORDING_TOKEN)
    try:
        return client.with_issue(payload)
    except ServiceError:
        return payload
    finally:
        client.close()


# source → how its webhook body is completed from the API before the incident starts.
ENRICHERS: dict[str, Callable[[Any, str], Any]] = {"pagerduty": _pagerduty, "sentry": _sentry}


def complete_payload(source: str, payload: Any, api_dir: Path | None) -> Any:
    """The alert payload as the dispatcher would hand it to the runtime."""
    enrich = ENRICHERS.get(source)
    if enrich is None or api_dir is None or not isinstance(payload, dict):
        return payload
    with serve(api_dir) as base_url:
        return enrich(payload, base_url)
