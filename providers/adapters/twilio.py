"""Twilio Programmable Messaging through the official ``twilio`` SDK (SMS and WhatsApp)."""

from __future__ import annotations

from typing import ClassVar

import requests
from django.utils.translation import gettext, gettext_lazy
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

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
    WebhookRequest,
    is_temporary_status,
    require,
)
from providers.adapters.http import transport_error
from providers.delivery import DeliveryStatus

# Error codes that a retry can cure (queue overflow, rate limits); every other code is permanent.
TEMPORARY_CODES = {20429, 21611, 30001, 14107}

STATUSES = {
    "accepted": DeliveryStatus.ACCEPTED,
    "scheduled": DeliveryStatus.ACCEPTED,
    "queued": DeliveryStatus.ACCEPTED,
    "sending": DeliveryStatus.ACCEPTED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}

FIELDS = (
    FieldSpec(
        "username",
        gettext_lazy("Account SID"),
        required=True,
        help=gettext_lazy("AC… from the Twilio console."),
    ),
    FieldSpec(
        "password",
        gettext_lazy("Auth token"),
        required=True,
        secret=True,
        help=gettext_lazy("Signs API calls and verifies Twilio's webhook signatures."),
    ),
    FieldSpec(
        "sender",
        gettext_lazy("From"),
        help=gettext_lazy(
            "A Twilio number in E.164 form (+1…). Leave empty when a Messaging Service SID is set."
        ),
    ),
    FieldSpec(
        "settings.messaging_service_sid",
        gettext_lazy("Messaging Service SID"),
        help=gettext_lazy("MG…; used instead of From when set."),
    ),
    FieldSpec(
        "endpoint",
        gettext_lazy("API base URL"),
        help=gettext_lazy("Empty for https://api.twilio.com; a regional host or proxy otherwise."),
    ),
)


class Twilio(Adapter):
    api_type = "Twilio"
    label = "Twilio (SMS)"
    fields = FIELDS
    signs_webhooks = True
    address_prefix: ClassVar[str] = ""

    _client: Client | None = None

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        if not config.sender and not config.setting("messaging_service_sid"):
            return {"sender": gettext("Give a From number or a Messaging Service SID.")}
        return {}

    @property
    def client(self) -> Client:
        if self._client is None:
            http_client = TwilioHttpClient(timeout=self.config.read_timeout)
            # The SDK checks the constructor's timeout as a number; requests also takes a
            # (connect, read) pair, which the SDK passes through unchanged.
            http_client.timeout = (self.config.connect_timeout, self.config.read_timeout)
            client = Client(self.config.username, self.config.password, http_client=http_client)
            if self.config.endpoint:
                client.api.base_url = self.config.endpoint.rstrip("/")
            self._client = client
        return self._client

    def _address(self, number: str) -> str:
        if self.address_prefix and not number.startswith(self.address_prefix):
            return self.address_prefix + number
        return number

    def deliver(self, message: OutgoingSMS) -> SendResult:
        kwargs = {"to": self._address(message.destination), "body": message.text}
        service = self.config.setting("messaging_service_sid")
        if service:
            kwargs["messaging_service_sid"] = service
        else:
            kwargs["from_"] = self._address(self.config.sender)
        if self.config.status_url:
            kwargs["status_callback"] = self.config.status_url
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            temporary = is_temporary_status(exc.status or 0) or exc.code in TEMPORARY_CODES
            raise SendError(
                exc.msg or str(exc),
                permanent=not temporary,
                code=str(exc.code or exc.status),
                http_status=exc.status,
            ) from exc
        except requests.RequestException as exc:
            raise transport_error(exc) from exc
        except TwilioException as exc:
            raise SendError(str(exc), permanent=True, code="sdk") from exc
        segments = int(sent.num_segments) if sent.num_segments else None
        return SendResult(sent.sid, status=sent.status or "queued", segments=segments)

    # webhooks -------------------------------------------------------------------------------
    def verify_webhook(self, request: WebhookRequest) -> bool:
        signature = request.headers.get("x-twilio-signature", "")
        if not signature:
            return False
        validator = RequestValidator(self.config.password)
        return validator.validate(request.url, request.form, signature)

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        form = request.form
        require(form, "MessageSid", "From", "To")  # the first one missing is named
        return [
            InboundSMS(
                provider_message_id=parse.identifier(form, "MessageSid"),
                sender=self._number(form, "From"),
                recipient=self._number(form, "To"),
                text=parse.text(form, "Body"),
                segments=parse.count(form, "NumSegments"),
                raw=dict(form),
            )
        ]

    def _number(self, form: dict[str, str], key: str) -> str:
        value = parse.text(form, key, required=True).removeprefix(self.address_prefix)
        return parse.address({key: value}, key)

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        form = request.form
        sid = parse.identifier(form, "MessageSid")
        status = parse.choice(form, "MessageStatus", STATUSES)
        error = parse.text(form, "ErrorCode")
        return [StatusReport(sid, status, error=error, raw=dict(form))]

    def webhook_reply(self, kind: str) -> tuple[str, str]:
        if kind == "inbound":
            return '<?xml version="1.0" encoding="UTF-8"?><Response/>', "text/xml"
        return "", "text/plain"


class TwilioWhatsApp(Twilio):
    api_type = "TwilioWhatsApp"
    label = "Twilio (WhatsApp)"
    channel = "whatsapp"
    address_prefix = "whatsapp:"
