"""A small threaded HTTP server base for the stand-ins.

A stand-in registers routes (method + path regex) and keeps its own state. This base adds what
every stand-in needs for error-path tests: injected faults (a status with headers and body, or
a dropped connection) for the next N matching requests, and a log of the requests it answered.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route regex

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


Handler = Callable[[Request], Response]


@dataclass
class Fault:
    """Answer the next `times` requests matching method and path regex with this instead."""

    method: str
    path: re.Pattern[str]
    times: int
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False  # close the connection without answering (a connection error)
    drop_after: bool = False  # do the work, then drop the answer (the client cannot know)


@dataclass
class LoggedRequest:
    method: str
    path: str
    status: int
    headers: dict[str, str]


class StandInServer:
    """Routes plus faults plus a request log, served on 127.0.0.1 from a daemon thread."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()  # guards the stand-in's state; handlers run in threads
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ configuration

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"\Z"), handler))

    def fail(
        self,
        method: str,
        path_regex: str,
        *,
        times: int = 1,
        status: int = 500,
        headers: dict[str, str] | None = None,
        body: Any = None,
        drop: bool = False,
        drop_after: bool = False,
    ) -> None:
        """Inject a fault for the next `times` requests whose path matches `path_regex`."""
        with self.lock:
            self._faults.append(Fault(method, re.compile(path_regex), times, status,
                                      headers or {}, body, drop, drop_after))

    def heal(self) -> None:
        """The service is back: drop every injected fault still pending."""
        with self.lock:
            self._faults.clear()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; without this, Nagle's algorithm
                # and delayed ACKs add ~40 ms to every request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _dispatch(self) -> None:
                server._handle(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @contextmanager
    def running(self) -> Iterator[StandInServer]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    # ------------------------------------------------------------ request handling

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.method in (method, "*") and fault.path.search(path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        body = _read_body(h, headers)
        req = Request(h.command, split.path, parse_qs(split.query), headers, body)
        fault = self._take_fault(req.method, req.path)
        if fault is not None and fault.drop_after:
            self._route(req)
        if fault is not None and (fault.drop or fault.drop_after):
            self._log(req, 0)
            # An abortive close: the client sees a reset or an empty reply, as from a dead proxy.
            linger = struct.pack("ii", 1, 0)
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            h.close_connection = True
            h.connection.close()
            return
        if fault is not None:
            payload = fault.body if fault.body is not None else {"message": "injected"}
            resp = json_response(fault.status, payload, fault.headers)
        else:
            resp = self._route(req)
        self._log(req, resp.status)
        h.send_response(resp.status)
        for name, value in resp.headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(resp.body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(resp.body)

    def _route(self, req: Request) -> Response:
        for method, pattern, handler in self._routes:
            match = pattern.match(req.path)
            if match and method == req.method:
                req.params = match.groupdict()
                try:
                    return handler(req)
                except Exception as exc:  # a stand-in bug should read as a 500, not hang
                    return json_response(500, {"message": f"stand-in error: {exc!r}"})
        return self.not_found(req)

    def not_found(self, req: Request) -> Response:
        return json_response(404, {"message": "Not Found"})

    def _log(self, req: Request, status: int) -> None:
        with self.lock:
            self.requests.append(LoggedRequest(req.method, req.path, status, req.headers))


def _read_body(h: BaseHTTPRequestHandler, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                h.rfile.readline()  # the blank line after the last chunk
                return b"".join(chunks)
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
    length = int(headers.get("content-length", "0") or 0)
    return h.rfile.read(length) if length else b""
