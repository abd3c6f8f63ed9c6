"""The one interface every provider type implements, and what travels through it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter

from providers.adapters.transport import Connections, TransportError
from providers.delivery import DeliveryStatus
from providers.webhook_parsing import WebhookError as WebhookError  # re-exported
from providers.webhook_parsing import decode_json, flatten


@dataclass(frozen=True)
class FieldSpec:
    """One configuration field of a provider type, as the form and the API show it.

    ``name`` is a column of Provider (``endpoint``, ``username``, ``password``, ``sender``,
    ``ports``) or a key of its ``settings`` (``settings.<key>``).
    """

    name: str
    label: str
    required: bool = False
    help: str = ""
    secret: bool = False
    default: Any = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def setting(self) -> str | None:
        return self.name.removeprefix("settings.") if self.name.startswith("settings.") else None


def requiring(fields: tuple[FieldSpec, ...], *names: str) -> tuple[FieldSpec, ...]:
    """The same fields, with ``names`` made required (for the ``…Auth`` variants)."""
    return tuple(replace(f, required=True) if f.name in names else f for f in fields)


@dataclass(frozen=True)
class ProviderConfig:
    """A decrypted snapshot of one provider, all an adapter may read."""

    api_type: str
    endpoint: str = ""
    username: str = ""
    password: str = ""
    sender: str = ""
    ports: str = ""
    encoding: str = "auto"
    settings: dict[str, Any] = field(default_factory=dict)
    status_url: str = ""  # where the provider should post delivery reports, when known
    connect_timeout: float = 5.0
    read_timeout: float = 15.0

    def setting(self, key: str, default: Any = "") -> Any:
        value = self.settings.get(key)
        return default if value in (None, "") else value


@dataclass(frozen=True)
class OutgoingSMS:
    destination: str
    text: str
    reference: str = ""  # our id for the message, echoed back by providers that support it
    number: int = 0  # our numeric id (providers.reports.message_number), for integer-only ids
    port: int | None = None  # gateway port chosen by the dialer, for port-based gateways
    encoding: str = "GSM7"  # the encoding chosen for this text (see providers.encoding)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status: str = "accepted"  # the provider's own word for the state of the message
    segments: int | None = None
    raw: Any = None


class SendError(Exception):
    """A send that failed. ``permanent`` says whether retrying the same request can help."""

    def __init__(
        self, message: str, *, permanent: bool, code: str = "", http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        kind = "permanent" if self.permanent else "temporary"
        code = f" [{self.code}]" if self.code else ""
        return f"{self.message}{code} ({kind})"


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    url: str  # the exact public URL the provider called (for signatures)
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]
    form: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, checked (``providers.webhook_parsing.decode_json``)."""
        return decode_json(self.body)

    def params(self) -> dict[str, str]:
        """Query and form parameters together (form wins), for GET-or-POST webhooks."""
        return {**self.query, **self.form}

    def flat_params(self) -> dict[str, str]:
        """Flat parameters whether they came as query, form or a JSON object (values as text)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return flatten(self.json())
        return self.params()


@dataclass(frozen=True)
class InboundSMS:
    provider_message_id: str
    sender: str
    recipient: str
    text: str
    segments: int = 1
    raw: Any = None
    # A part of a long message that the provider delivers part by part:
    # (reference shared by the parts, number of parts, this part's number from 1).
    concat: tuple[str, int, int] | None = None


@dataclass(frozen=True)
class StatusReport:
    provider_message_id: str
    status: DeliveryStatus
    error: str = ""
    raw: Any = None


def require(data: dict[str, Any], *keys: str) -> list[Any]:
    """Values of ``keys`` in a webhook body; WebhookError naming the first one missing."""
    if not isinstance(data, dict):
        raise WebhookError("body", "not an object")
    missing = [k for k in keys if data.get(k) in (None, "")]
    if missing:
        raise WebhookError(missing[0], "missing")
    return [data[k] for k in keys]


def is_temporary_status(status: int) -> bool:
    """HTTP statuses worth retrying: throttling, timeouts and server errors."""
    return status in (408, 425, 429) or status >= 500


def transport_error(exc: Exception) -> SendError:
    """A timeout or a refused / dropped connection is temporary; other request errors are not."""
    if isinstance(exc, requests.Timeout):
        return SendError(f"timed out: {exc}", permanent=False, code="timeout")
    if isinstance(exc, requests.ConnectionError):
        return SendError(f"connection failed: {exc}", permanent=False, code="connection")
    return SendError(f"request failed: {exc}", permanent=True, code="request")


class Adapter:
    """Base class: one subclass per ``api_type``, registered in ``providers.adapters``."""

    api_type: ClassVar[str]
    label: ClassVar[str]
    channel: ClassVar[str] = "sms"  # or "whatsapp"
    fields: ClassVar[tuple[FieldSpec, ...]] = ()
    uses_ports: ClassVar[bool] = False
    signs_webhooks: ClassVar[bool] = False  # True when authenticity is a signature, not the URL

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    # configuration ------------------------------------------------------------------------
    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        """Errors per field name beyond 'required' (templates, URLs...); empty when valid."""
        return {}

    # sending --------------------------------------------------------------------------------
    def send(self, message: OutgoingSMS) -> SendResult:
        raise NotImplementedError

    # webhooks -------------------------------------------------------------------------------
    def verify_webhook(self, request: WebhookRequest) -> bool:
        """Authenticity beyond the secret URL (signatures). The URL check is done by the view."""
        return True

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        raise WebhookError("webhook", f"{self.api_type} does not deliver inbound messages")

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        raise WebhookError("webhook", f"{self.api_type} does not deliver status reports")

    def webhook_reply(self, kind: str) -> tuple[str, str]:
        """Body and content type of a successful webhook answer."""
        return "", "text/plain"


@dataclass(frozen=True)
class HttpReply:
    """What an HTTP call answered (the subset of ``requests.Response`` the adapters read)."""

    status_code: int
    reason: str
    content: bytes
    headers: Mapping[str, str]  # case-insensitive: read with lower-case names

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


class HttpSender:
    """Mixin: HTTP through kept-alive connections (``providers.adapters.transport``; adapters
    are reused per thread, so connections stay open), timeouts on every call, no automatic
    retries (a retried POST could send an SMS twice: retrying is the caller's decision, made
    from ``SendError.permanent``), and transport failures mapped to SendError."""

    config: ProviderConfig
    _connections: Connections | None = None

    @property
    def connections(self) -> Connections:
        if self._connections is None:
            self._connections = Connections(self.config.connect_timeout, self.config.read_timeout)
        return self._connections

    def http(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> HttpReply:
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        if basic_auth is not None:
            token = base64.b64encode(":".join(basic_auth).encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            reply = self.connections.request(method, url, data, headers)
        except TransportError as exc:
            raise SendError(str(exc), permanent=exc.permanent, code=exc.code) from exc
        return HttpReply(reply.status, reply.reason, reply.content, reply.headers)

    @staticmethod
    def http_failure(response: Any, message: str = "", code: str = "") -> SendError:
        text = message or response.text[:300] or response.reason
        return SendError(
            f"HTTP {response.status_code}: {text}",
            permanent=not is_temporary_status(response.status_code),
            code=code or str(response.status_code),
            http_status=response.status_code,
        )


class RequestsSender(HttpSender):
    """Mixin for adapters that need what only ``requests`` has (HTTP Digest authentication,
    per-provider TLS verification): a pooled session, no automatic retries."""

    _session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_maxsize=4, max_retries=0))
            session.mount("https://", HTTPAdapter(pool_maxsize=4, max_retries=0))
            self._session = session
        return self._session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        try:
            return self.session.request(method, url, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc) from exc
