"""The one interface every provider type implements, and what travels through it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from providers.adapters.redaction import Redactor, basic_token
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
    provider_id: int | None = None  # the saved provider's id (None for an unsaved config)

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
        """Send one message; SendError (with every secret of the provider masked) when it
        was not accepted."""
        try:
            return self.deliver(message)
        except SendError as exc:
            raise self.redactor.error(exc) from None  # the cause may carry the secrets

    def deliver(self, message: OutgoingSMS) -> SendResult:
        """The provider-specific send (errors as SendError, not yet redacted)."""
        raise NotImplementedError

    def secret_values(self) -> list[str]:
        """Everything of this provider that must never show in an error or a log: the secret
        fields, the password, the Basic credentials made of it and the webhook token."""
        config = self.config
        values = [
            str(config.setting(spec.setting) if spec.setting else getattr(config, spec.name, ""))
            for spec in self.fields
            if spec.secret
        ]
        if config.password:
            values += [config.password, basic_token(config.username, config.password)]
        token = re.search(r"/webhooks/([^/?#]+)", config.status_url)
        if token:
            values.append(token.group(1))
        return [value for value in values if value]

    _redactor: Redactor | None = None

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            self._redactor = Redactor(self.secret_values())
        return self._redactor

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
