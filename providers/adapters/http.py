"""The one HTTP client of the URL/JSON adapters, and the one place where a failed request
becomes a SendError.

The client is urllib3 (a ``PoolManager``; a ``ProxyManager`` for origins that the
environment's ``HTTP_PROXY`` / ``HTTPS_PROXY`` send through a proxy, unless ``NO_PROXY``
names them). What it does on every request:

- connections kept alive per origin (an adapter is reused per thread, so its connections stay
  open); a connection the server closed while idle is noticed before reuse;
- a connect timeout and a read timeout from the provider;
- no retries and no redirects followed: a retried POST could send an SMS twice, so retrying is
  the caller's decision, made from ``SendError.permanent``;
- TLS verified against the system's CA store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``) unless the
  provider turns verification off (Dinstar gateways' self-signed certificates);
- characters not allowed in a URL percent-encoded, escapes already there kept, a lone ``%``
  sent as ``%25``.

Failures, for every adapter (the SDK ones hand their transport errors here too): a timeout or
a refused / dropped connection is temporary; a TLS failure or a URL that cannot be requested is
permanent; an HTTP status is temporary for throttling and server errors (``is_temporary_status``)
and permanent otherwise. Every message is cleaned of the adapter's secrets (``redact``) before
it leaves the adapter: errors are stored on rows that supervisors read, and logged.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets as random
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    HTTPError,
    LocationValueError,
    NewConnectionError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as UrllibTimeout

from providers.adapters.base import ProviderConfig, SendError, is_temporary_status
from providers.adapters.redaction import basic_token

USER_AGENT = "contactcenter"
KEEP_PER_ORIGIN = 4
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')


# ----------------------------------------------------------------------------------- replies
@dataclass(frozen=True)
class HttpReply:
    """What an HTTP call answered."""

    status_code: int
    reason: str
    content: bytes
    headers: Mapping[str, str]  # case-insensitive

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 400

    @property
    def charset(self) -> str:
        found = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""), re.I)
        return found.group(1) if found else "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


# ----------------------------------------------------------------------------------- errors
def http_failure(reply: Any, message: str = "", code: str = "") -> SendError:
    """An HTTP answer that is not a send (``reply`` has status_code, reason and text)."""
    text = message or reply.text[:300] or reply.reason
    return SendError(
        f"HTTP {reply.status_code}: {text}",
        permanent=not is_temporary_status(reply.status_code),
        code=code or str(reply.status_code),
        http_status=reply.status_code,
    )


def transport_error(exc: Exception) -> SendError:
    """A request that got no HTTP answer, from urllib3 or (for the SDK adapters) requests."""
    timed_out, refused, tls, bad_request = _classify(exc)
    reason = _reason(exc)
    if tls:
        return SendError(f"TLS failed: {reason}", permanent=True, code="tls")
    if bad_request:
        return SendError(f"request failed: {reason}", permanent=True, code="request")
    if timed_out and not refused:
        return SendError(f"timed out: {reason}", permanent=False, code="timeout")
    return SendError(f"connection failed: {reason}", permanent=False, code="connection")


def _classify(exc: Exception) -> tuple[bool, bool, bool, bool]:
    """(timed out, connection refused, TLS failure, request that cannot be made)."""
    try:
        import requests  # the transport of the Twilio and Vonage SDKs
    except ImportError:  # pragma: no cover - the SDKs require it
        requests = None
    if requests is not None and isinstance(exc, requests.RequestException):
        return (
            isinstance(exc, requests.Timeout),
            False,
            isinstance(exc, requests.exceptions.SSLError),
            not isinstance(exc, requests.ConnectionError | requests.Timeout),
        )
    return (
        isinstance(exc, UrllibTimeout | TimeoutError),
        isinstance(exc, NewConnectionError | ProxyError),
        isinstance(exc, SSLError),
        isinstance(exc, LocationValueError)
        or (isinstance(exc, ValueError) and not isinstance(exc, HTTPError)),
    )


def _reason(exc: Exception) -> str:
    """The cause without the request's URL (urllib3 puts the path and query, which may carry
    credentials, into its messages; ``redact`` cleans what is left)."""
    reason = getattr(exc, "reason", None)
    while isinstance(reason, HTTPError) and getattr(reason, "reason", None) is not None:
        reason = reason.reason
    text = str(reason if reason is not None else exc) or type(exc).__name__
    return re.sub(r"(with url|url): \S+", r"\1: (omitted)", text)


# ----------------------------------------------------------------------------------- proxies
def proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTP_PROXY`` / ``HTTPS_PROXY`` /
    ``ALL_PROXY``, upper or lower case), None when there is none or ``NO_PROXY`` covers it."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or not parts.hostname:
        return None
    if urllib.request.proxy_bypass(parts.hostname):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def proxy_manager(proxy: str, **pool: Any) -> urllib3.ProxyManager:
    parsed = urllib3.util.parse_url(proxy)
    headers = urllib3.util.make_headers(proxy_basic_auth=parsed.auth) if parsed.auth else None
    plain = parsed._replace(auth=None).url
    return urllib3.ProxyManager(plain, proxy_headers=headers, **pool)


# ----------------------------------------------------------------------------------- client
class HttpClient:
    """Kept-alive connections for one adapter. Thread-safe (urllib3's pools are). The proxy
    settings are read once per origin: when the adapter is made (at worker start and whenever
    the provider is edited)."""

    def __init__(self, connect_timeout: float, read_timeout: float, verify: bool = True) -> None:
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool: dict[str, Any] = {
            "maxsize": KEEP_PER_ORIGIN,
            "cert_reqs": "CERT_REQUIRED" if verify else "CERT_NONE",
            "retries": False,
        }
        self._direct: urllib3.PoolManager | None = None
        self._managers: dict[str, urllib3.PoolManager] = {}  # by origin
        self._lock = threading.Lock()

    def manager(self, url: str) -> urllib3.PoolManager:
        origin = url[: url.find("/", 8)] if url.find("/", 8) > 0 else url
        found = self._managers.get(origin)
        if found is not None:
            return found
        with self._lock:
            proxy = proxy_for(url)
            if proxy is None:
                if self._direct is None:
                    self._direct = urllib3.PoolManager(**self._pool)
                found = self._direct
            else:
                found = proxy_manager(proxy, **self._pool)
            self._managers[origin] = found
        return found

    def request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> HttpReply:
        """One request; SendError (not yet redacted) when no HTTP answer came."""
        if "user-agent" not in (name.lower() for name in headers):
            headers["User-Agent"] = USER_AGENT
        if "%" in url:
            url = _LONE_PERCENT.sub("%25", url)
        try:
            response = self.manager(url).request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=self.timeout,
                retries=False,
                redirect=False,
            )
        except (HTTPError, OSError, ValueError) as exc:
            raise transport_error(exc) from None
        return HttpReply(response.status, response.reason or "", response.data, response.headers)

    def close(self) -> None:
        for manager in {id(m): m for m in self._managers.values()}.values():
            manager.clear()


class DigestAuth:
    """HTTP Digest (RFC 7616, MD5, qop=auth): the server's challenge is kept and answered on
    the next requests (a counted nonce), so only the first request, and one after the server
    changes its nonce, costs a second round trip."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.challenge: dict[str, str] | None = None
        self.count = 0
        self._lock = threading.Lock()

    def learn(self, header: str) -> bool:
        if not header.lower().startswith("digest "):
            return False
        with self._lock:
            self.challenge = {
                key: quoted or bare for key, quoted, bare in _PARAM.findall(header[7:])
            }
            self.count = 0
        return True

    def header(self, method: str, url: str) -> str | None:
        with self._lock:
            if self.challenge is None:
                return None
            self.count += 1
            count = f"{self.count:08x}"
            challenge = dict(self.challenge)
        parts = urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
        ha1 = _md5(f"{self.user}:{realm}:{self.password}")
        ha2 = _md5(f"{method}:{uri}")
        fields = {"username": self.user, "realm": realm, "nonce": nonce, "uri": uri}
        if "auth" in challenge.get("qop", "").split(","):
            cnonce = random.token_hex(8)
            fields["response"] = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={count}, cnonce="{cnonce}"'
        else:
            fields["response"] = _md5(f"{ha1}:{nonce}:{ha2}")
            extra = ""
        if challenge.get("opaque"):
            fields["opaque"] = challenge["opaque"]
        quoted = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        return f"Digest {quoted}{extra}, algorithm=MD5"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324  (HTTP Digest is MD5 by definition)


# ----------------------------------------------------------------------------------- adapters
class HttpSender:
    """Mixin for the adapters that speak HTTP themselves: ``self.http(...)`` through the
    adapter's HttpClient, HTTP failures through ``http_failure``."""

    config: ProviderConfig
    verify_tls: bool = True
    _client: HttpClient | None = None
    _digest: DigestAuth | None = None

    @property
    def client(self) -> HttpClient:
        if self._client is None:
            self._client = HttpClient(
                self.config.connect_timeout, self.config.read_timeout, verify=self.verify_tls
            )
        return self._client

    def http(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
        digest_auth: tuple[str, str] | None = None,
    ) -> HttpReply:
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        if basic_auth is not None:
            headers["Authorization"] = f"Basic {basic_token(*basic_auth)}"
        if digest_auth is None:
            return self.client.request(method, url, data, headers)
        if self._digest is None:
            self._digest = DigestAuth(*digest_auth)
        for _ in range(2):  # a fresh challenge is answered once
            answer = self._digest.header(method, url)
            if answer:
                headers["Authorization"] = answer
            reply = self.client.request(method, url, data, dict(headers))
            if reply.status_code != 401 or not self._digest.learn(
                reply.headers.get("www-authenticate", "")
            ):
                return reply
        return reply

    http_failure = staticmethod(http_failure)
