"""HTTP for the adapters that speak plain HTTP: kept-alive connections on the standard library's
``http.client``.

Why not urllib3 (as ``requests`` uses): the dialer makes thousands of requests a second and
urllib3 spends about as much CPU on each request as the request itself costs in
``http.client`` (bench/bench_providers.py prints both). What is kept from it:

- connections kept alive per origin, several per adapter (one per thread sending at a time),
  a connection that the server closed while idle is noticed before reuse;
- a connect timeout and a read timeout;
- no retries and no redirects followed (a retried POST could send an SMS twice: retrying is the
  caller's decision, made from ``SendError.permanent``);
- TLS with certificate and host name verification against the system's CA store
  (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured);
- characters not allowed in a URL are percent-encoded.

Failures raise TransportError: a timeout or a refused / dropped connection is temporary; a bad
URL or a TLS verification failure is permanent.
"""

from __future__ import annotations

import http.client
import re
import select
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

USER_AGENT = "contactcenter"
KEEP_PER_ORIGIN = 4
# What may stay as it is in a path and query (RFC 3986 reserved and unreserved, and "%" so
# that values already escaped are not escaped twice).
_URL_SAFE = "/?#[]@!$&'()*+,;=:%-._~"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool, code: str) -> None:
        super().__init__(message)
        self.permanent, self.code = permanent, code


@dataclass(frozen=True)
class Route:
    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


@lru_cache(maxsize=256)
def route_of(url: str) -> Route:
    """Where ``url`` goes; TransportError (permanent) for a URL that cannot be requested."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TransportError(
            f"request failed: bad URL: {exc}", permanent=True, code="request"
        ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(
            f"request failed: not an http(s) URL: {url[:200]}", permanent=True, code="request"
        )
    target = encode(parts.path or "/")
    if parts.query:
        target += "?" + encode(parts.query)
    default = 443 if parts.scheme == "https" else 80
    return Route(parts.scheme, parts.hostname, default if port is None else port, target)


def encode(part: str) -> str:
    """Percent-encode what a URL may not carry; escapes already there stay, a lone % is one."""
    return quote(_LONE_PERCENT.sub("%25", part), safe=_URL_SAFE)


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


@dataclass
class Reply:
    status: int
    reason: str
    content: bytes
    headers: Mapping[str, str]  # case-insensitive


class Connections:
    """An adapter's kept-alive connections. Thread-safe: a connection is taken for one request
    and given back after the whole answer was read."""

    def __init__(self, connect_timeout: float, read_timeout: float) -> None:
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        route = route_of(url)
        if not any(name.lower() == "user-agent" for name in headers):
            headers["User-Agent"] = USER_AGENT
        connection = None
        try:
            connection = self._take(route)
            if connection.sock is None:
                connection.connect()
                connection.sock.settimeout(self.read_timeout)
            connection.request(method, route.target, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except TimeoutError as exc:
            close(connection)
            raise TransportError(f"timed out: {exc}", permanent=False, code="timeout") from exc
        except (ssl.SSLCertVerificationError, http.client.InvalidURL, ValueError) as exc:
            # untrusted certificate, a host name http.client refuses, a bad header value...
            close(connection)
            raise TransportError(f"request failed: {exc}", permanent=True, code="request") from exc
        except (OSError, http.client.HTTPException) as exc:
            close(connection)
            raise TransportError(
                f"connection failed: {exc!r}", permanent=False, code="connection"
            ) from exc
        if response.will_close:
            connection.close()
        else:
            self._give_back(route, connection)
        return Reply(response.status, response.reason or "", content, response.headers)

    def _take(self, route: Route) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle.get(route.origin)
            connection = idle.pop() if idle else None
        if connection is not None and not closed_by_peer(connection):
            return connection
        if connection is not None:
            connection.close()
        if route.scheme == "https":
            return http.client.HTTPSConnection(
                route.host, route.port, timeout=self.connect_timeout, context=tls_context()
            )
        return http.client.HTTPConnection(route.host, route.port, timeout=self.connect_timeout)

    def _give_back(self, route: Route, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(route.origin, [])
            if len(idle) < KEEP_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.close()


def close(connection: http.client.HTTPConnection | None) -> None:
    if connection is not None:
        connection.close()


def closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection is readable only when the server closed it (or sent
    something unasked): either way it cannot carry a request."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
