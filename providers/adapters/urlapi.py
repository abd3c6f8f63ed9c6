"""Generic URL APIs: a URL (GET) or a body (POST) rendered from a template.

Placeholders: {destination} {message} {sender} {username} {password} {port} {id}. They are
URL-encoded where they land in a URL or a form body, and JSON-escaped in a JSON body. A send
succeeds on HTTP 2xx and, when a success pattern is configured, a body that matches it; the
provider's message id is taken from the body with the id pattern (its first group), else from a
JSON body's ``id``/``message_id``/``messageId``, else our own id is kept.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext, gettext_lazy

from providers import webhook_parsing as parse
from providers.adapters.base import (
    Adapter,
    FieldSpec,
    InboundSMS,
    OutgoingSMS,
    ProviderConfig,
    SendError,
    SendResult,
    StatusReport,
    WebhookError,
    WebhookRequest,
    requiring,
)
from providers.adapters.http import HttpSender
from providers.delivery import DeliveryStatus

PLACEHOLDERS = ("destination", "message", "sender", "username", "password", "port", "id")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

INBOUND_ALIASES = {
    "sender": ("from", "msisdn", "sender", "origin", "source"),
    "recipient": ("to", "destination", "did", "recipient"),
    "text": ("text", "message", "body", "msg"),
    "id": ("id", "message_id", "messageId", "smsid"),
}
STATUS_WORDS = {
    "accepted": DeliveryStatus.ACCEPTED,
    "queued": DeliveryStatus.ACCEPTED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "expired": DeliveryStatus.EXPIRED,
    "rejected": DeliveryStatus.REJECTED,
    "failed": DeliveryStatus.FAILED,
}


def unknown_placeholders(template: str) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS]


def render(template: str, values: dict[str, str], escape: Any) -> str:
    return _PLACEHOLDER.sub(
        lambda m: escape(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


def url_escape(value: str) -> str:
    return quote(value, safe="")


def json_escape(value: str) -> str:
    return json.dumps(value)[1:-1]


def pick(params: dict[str, str], key: str, *, max_length: int | None = None) -> str:
    """The first of ``key``'s aliases that has a value (checked, and named when refused)."""
    alias = next((a for a in INBOUND_ALIASES[key] if params.get(a)), INBOUND_ALIASES[key][0])
    return parse.text(params, alias, max_length=max_length)


def check_pattern(config: ProviderConfig, key: str, errors: dict[str, str]) -> None:
    pattern = config.setting(key)
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors[f"settings.{key}"] = gettext("Not a valid regular expression: %(error)s.") % {
                "error": exc
            }


class URLSMS(HttpSender, Adapter):
    api_type = "URLSMS"
    label = "URL GET"
    method: ClassVar[str] = "GET"
    basic_auth: ClassVar[bool] = False
    uses_ports = True

    fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec(
            "endpoint",
            gettext_lazy("URL template"),
            required=True,
            help=gettext_lazy(
                "e.g. https://gw.example.com/send?to={destination}&text={message}. "
                "Placeholders: {destination} {message} {sender} {username} {password} {port} "
                "{id}, URL-encoded."
            ),
        ),
        FieldSpec("username", gettext_lazy("User")),
        FieldSpec("password", gettext_lazy("Password"), secret=True),
        FieldSpec("sender", gettext_lazy("SMS From")),
        FieldSpec("ports", gettext_lazy("Ports")),
        FieldSpec(
            "settings.success_pattern",
            gettext_lazy("Success pattern"),
            help=gettext_lazy(
                "Regular expression the reply body must match to count as sent (optional)."
            ),
        ),
        FieldSpec(
            "settings.id_pattern",
            gettext_lazy("Message id pattern"),
            help=gettext_lazy("Regular expression whose first group is the provider's message id."),
        ),
    )

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        errors: dict[str, str] = {}
        unknown = unknown_placeholders(config.endpoint)
        allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
        sample = render(config.endpoint, dict.fromkeys(PLACEHOLDERS, "x"), url_escape)
        if unknown:
            errors["endpoint"] = gettext(
                "Unknown placeholder %(placeholder)s; use %(allowed)s."
            ) % {
                "placeholder": f"{{{unknown[0]}}}",
                "allowed": allowed,
            }
        elif urlsplit(sample).scheme not in ("http", "https"):
            errors["endpoint"] = gettext("The URL must start with http:// or https://.")
        check_pattern(config, "success_pattern", errors)
        check_pattern(config, "id_pattern", errors)
        return errors

    def values(self, message: OutgoingSMS) -> dict[str, str]:
        return {
            "destination": message.destination,
            "message": message.text,
            "sender": self.config.sender,
            "username": self.config.username,
            "password": self.config.password,
            "port": "" if message.port is None else str(message.port),
            "id": message.reference,
        }

    def request_kwargs(self, message: OutgoingSMS) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.basic_auth:
            kwargs["basic_auth"] = (self.config.username, self.config.password)
        return kwargs

    def deliver(self, message: OutgoingSMS) -> SendResult:
        url = render(self.config.endpoint, self.values(message), url_escape)
        response = self.http(self.method, url, **self.request_kwargs(message))
        if not response.ok:
            raise self.http_failure(response)
        body = response.text
        success = self.config.setting("success_pattern")
        if success and not re.search(success, body):
            raise SendError(
                f"the reply does not match the success pattern: {body[:300]}",
                permanent=True,
                code="pattern",
                http_status=response.status_code,
            )
        return SendResult(self.message_id(body) or message.reference, status="accepted", raw=body)

    def message_id(self, body: str) -> str:
        pattern = self.config.setting("id_pattern")
        if pattern:
            found = re.search(pattern, body)
            return (found.group(1) if found.groups() else found.group(0)) if found else ""
        try:
            data = json.loads(body)
        except ValueError:
            return ""
        if isinstance(data, dict):
            return str(
                next((data[k] for k in ("id", "message_id", "messageId") if data.get(k)), "")
            )
        return ""

    # webhooks: our own documented format (GET or POST, form or JSON) ------------------------
    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        params = request.flat_params()
        sender = pick(params, "sender", max_length=parse.ADDRESS_LENGTH)
        recipient = pick(params, "recipient", max_length=parse.ADDRESS_LENGTH)
        text = pick(params, "text")
        if not sender:
            raise WebhookError("from", "missing")
        message_id = pick(params, "id", max_length=parse.ID_LENGTH)
        if not message_id:
            raise WebhookError("id", "missing")
        return [InboundSMS(message_id, sender, recipient, text, raw=params)]

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        params = request.flat_params()
        message_id = pick(params, "id", max_length=parse.ID_LENGTH)
        if not message_id:
            raise WebhookError("id", "missing")
        word = parse.text(params, "status").lower()
        if word not in STATUS_WORDS:
            raise WebhookError(
                "status", f"unknown value '{word[:40]}'; expected one of {', '.join(STATUS_WORDS)}"
            )
        return [StatusReport(message_id, STATUS_WORDS[word], parse.text(params, "error"), params)]


class URLSMSAuth(URLSMS):
    api_type = "URLSMSAuth"
    label = gettext_lazy("URL GET with basic authentication")
    basic_auth = True
    fields = requiring(URLSMS.fields, "username", "password")


class URLPOSTSMS(URLSMS):
    api_type = "URLPOSTSMS"
    label = "URL POST"
    method = "POST"
    fields = (
        FieldSpec(
            "endpoint",
            gettext_lazy("URL"),
            required=True,
            help=gettext_lazy("Where the message is POSTed; placeholders allowed, URL-encoded."),
        ),
        FieldSpec(
            "settings.body_template",
            gettext_lazy("Body template"),
            required=True,
            help=gettext_lazy(
                'Form: to={destination}&text={message}. JSON: {"to": "{destination}", '
                '"text": "{message}"}. Values are escaped for the body type.'
            ),
        ),
        FieldSpec(
            "settings.content_type",
            gettext_lazy("Body type"),
            default="form",
            choices=(
                ("form", gettext_lazy("Form (application/x-www-form-urlencoded)")),
                ("json", "JSON (application/json)"),
            ),
        ),
        *URLSMS.fields[1:],
    )

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        errors = super().validate(config)
        template = config.setting("body_template")
        unknown = unknown_placeholders(template)
        if unknown:
            errors["settings.body_template"] = gettext("Unknown placeholder %(placeholder)s.") % {
                "placeholder": f"{{{unknown[0]}}}"
            }
        elif config.setting("content_type", "form") == "json":
            try:
                json.loads(render(template, dict.fromkeys(PLACEHOLDERS, "x"), json_escape))
            except ValueError as exc:
                errors["settings.body_template"] = gettext(
                    "Not valid JSON once filled in: %(error)s."
                ) % {"error": exc}
        return errors

    def request_kwargs(self, message: OutgoingSMS) -> dict[str, Any]:
        kwargs = super().request_kwargs(message)
        template = self.config.setting("body_template")
        if self.config.setting("content_type", "form") == "json":
            kwargs["data"] = render(template, self.values(message), json_escape).encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        else:
            kwargs["data"] = render(template, self.values(message), url_escape).encode()
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
        return kwargs


class URLPOSTSMSAuth(URLPOSTSMS):
    api_type = "URLPOSTSMSAuth"
    label = gettext_lazy("URL POST with basic authentication")
    basic_auth = True
    fields = requiring(URLPOSTSMS.fields, "username", "password")
