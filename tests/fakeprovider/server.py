"""The fake provider server.

Shape:
- every request is recorded (method, path, query, headers, body) before anything else;
- a **dialect** decides the normal answer for the requests it recognises (one dialect per provider
  wire format; ``GenericDialect`` answers anything with a JSON id). Adding a provider is adding a
  dialect module under ``tests/fakeprovider/dialects``;
- a **behaviour** overrides the dialect for the next request(s) or for all of them: a delay, an
  error status and body, a dropped connection, or an error that echoes the request back (as
  careless providers do, credentials included).
"""

from __future__ import annotations

import itertools
import json
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from tests.fakeprovider.tls import make_certificate


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    target: str = ""  # the request line's target, exactly as sent (percent-encoding included)
    peer: tuple[str, int] = ("", 0)  # the client's address: one port per connection

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


@dataclass
class Behaviour:
    """How to answer: ``delay`` seconds first, then ``drop`` the connection, answer status
    ``echo`` with the whole request in the body, or send ``reply`` (``None`` lets the dialect
    answer normally after the delay)."""

    delay: float = 0.0
    drop: bool = False
    reply: Reply | None = None
    echo: int | None = None


def echo_of(request: RecordedRequest) -> str:
    """The request as text: request line, headers, body."""
    headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
    body = request.body.decode("utf-8", errors="replace")
    return f"bad request: {request.method} {request.target}\n{headers}\n\n{body}"


class Dialect(Protocol):
    name: str

    def matches(self, request: RecordedRequest) -> bool: ...

    def answer(self, request: RecordedRequest, server: FakeProviderServer) -> Reply: ...


class GenericDialect:
    """Answers any request 200 with a JSON id: the catch-all."""

    name = "generic"

    def matches(self, request: RecordedRequest) -> bool:
        return True

    def answer(self, request: RecordedRequest, server: FakeProviderServer) -> Reply:
        return Reply(200, {"id": server.next_id("msg")})


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, like real provider APIs
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (stdlib signature)
        return

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            target=self.path,
            peer=self.client_address[:2],
        )
        behaviour = fake.record(request)
        if behaviour.delay:
            time.sleep(behaviour.delay)
        if behaviour.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if behaviour.echo is not None:
            reply = Reply(behaviour.echo, echo_of(request))
        else:
            reply = behaviour.reply or fake.dialect_for(request).answer(request, fake)
        payload, content_type = reply.encoded()
        self.send_response(reply.status)
        headers = {"Content-Type": content_type, **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog (5) drops connections a concurrent sender opens at once;
    # the client then waits a whole SYN retransmission (1 s).
    request_queue_size = 128
    fake: FakeProviderServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) leaves a broken pipe behind: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeProviderServer:
    """``tls=True`` serves https with a fresh self-signed certificate; ``ca_bundle`` is its path,
    for clients that must trust it (``REQUESTS_CA_BUNDLE``)."""

    def __init__(
        self, dialects: list[Dialect] | None = None, host: str = "127.0.0.1", tls: bool = False
    ) -> None:
        self.dialects: list[Dialect] = [*(dialects or []), GenericDialect()]
        self.tls = tls
        self.ca_bundle: Path | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._once: deque[Behaviour] = deque()
        self._always = Behaviour()
        self._ids = itertools.count(1)
        self.record_requests = True
        self.record_times = False
        self.request_times: list[float] = []
        self._httpd = _HTTPServer((host, 0), _Handler)
        self._httpd.fake = self
        if tls:
            self._certdir = tempfile.TemporaryDirectory(prefix="fake-provider-tls-")
            cert, key = make_certificate(Path(self._certdir.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
            self.ca_bundle = cert
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> FakeProviderServer:
        # A short poll: stop() waits until the loop notices (0.5 s by default: in every test).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self.tls:
            self._certdir.cleanup()

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # behaviour
    def then(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with these behaviours, one each, in order."""
        with self._lock:
            self._once.extend(behaviours)

    def always(self, behaviour: Behaviour) -> None:
        """Answer every later request this way (after the one-shot behaviours are used up)."""
        with self._lock:
            self._always = behaviour

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._once.clear()
            self._always = Behaviour()

    # recording
    def record(self, request: RecordedRequest) -> Behaviour:
        with self._lock:
            if self.record_requests:
                self._requests.append(request)
            if self.record_times:
                self.request_times.append(time.monotonic())
            return self._once.popleft() if self._once else self._always

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def dialect_for(self, request: RecordedRequest) -> Dialect:
        return next(d for d in self.dialects if d.matches(request))
