"""WhatsApp Cloud API (Meta Graph API) text messages (``WhatsAppCloud``)."""

from __future__ import annotations

import hashlib
import hmac

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from providers import webhook_parsing as parse
from providers.adapters.base import (
    Adapter,
    FieldSpec,
    InboundSMS,
    OutgoingSMS,
    SendError,
    SendResult,
    StatusReport,
    WebhookError,
    WebhookRequest,
)
from providers.adapters.http import HttpSender
from providers.delivery import DeliveryStatus

DEFAULT_ENDPOINT = "https://graph.facebook.com"
# Throughput and transient errors; every other error code is permanent (bad number, closed
# 24-hour window, expired token...). Decided by error.code, not by the HTTP status.
TEMPORARY_CODES = {1, 2, 4, 80007, 130429, 131000, 131056}
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


class WhatsAppCloud(HttpSender, Adapter):
    api_type = "WhatsAppCloud"
    label = "WhatsApp Cloud API"
    channel = "whatsapp"
    signs_webhooks = True
    fields = (
        FieldSpec("settings.phone_number_id", gettext_lazy("Phone number ID"), required=True),
        FieldSpec("password", gettext_lazy("Access token"), required=True, secret=True),
        FieldSpec(
            "settings.app_secret",
            gettext_lazy("App secret"),
            secret=True,
            help=gettext_lazy("When set, webhooks must carry a valid X-Hub-Signature-256."),
        ),
        FieldSpec(
            "settings.verify_token",
            gettext_lazy("Webhook verify token"),
            secret=True,
            help=gettext_lazy("Answered in Meta's webhook verification handshake."),
        ),
        FieldSpec("settings.api_version", gettext_lazy("Graph API version"), default="v21.0"),
        FieldSpec(
            "endpoint",
            gettext_lazy("Graph API base URL"),
            help=format_lazy(gettext_lazy("Empty for {url}."), url=DEFAULT_ENDPOINT),
        ),
    )

    def deliver(self, message: OutgoingSMS) -> SendResult:
        base = (self.config.endpoint or DEFAULT_ENDPOINT).rstrip("/")
        version = self.config.setting("api_version", "v21.0")
        url = f"{base}/{version}/{self.config.setting('phone_number_id')}/messages"
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.destination.lstrip("+"),
            "type": "text",
            "text": {"body": message.text, "preview_url": False},
        }
        response = self.http(
            "POST", url, json_body=body, headers={"Authorization": f"Bearer {self.config.password}"}
        )
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not response.ok:
            error = data.get("error") if isinstance(data, dict) else None
            code = error.get("code") if isinstance(error, dict) else None
            if code is None:
                raise self.http_failure(response)
            temporary = code in TEMPORARY_CODES or response.status_code >= 500
            raise SendError(
                error.get("message", response.text[:300]),
                permanent=not temporary,
                code=str(code),
                http_status=response.status_code,
            )
        try:
            message_id = data["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise SendError(
                f"no message id in the reply: {response.text[:300]}", permanent=True, code="reply"
            ) from exc
        return SendResult(message_id, status=data["messages"][0].get("message_status", "accepted"))

    # webhooks -------------------------------------------------------------------------------
    def verify_webhook(self, request: WebhookRequest) -> bool:
        secret = self.config.setting("app_secret")
        if not secret or request.method == "GET":
            return True
        header = request.headers.get("x-hub-signature-256", "")
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(header, expected)

    def handshake(self, request: WebhookRequest) -> str | None:
        """Meta's GET verification: the challenge when the verify token matches, else None."""
        token = self.config.setting("verify_token")
        if (
            request.query.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(request.query.get("hub.verify_token", ""), token)
        ):
            return request.query.get("hub.challenge", "")
        return None

    @staticmethod
    def _values(request: WebhookRequest) -> list[tuple[str, dict]]:
        """Each ``entry[].changes[].value`` with its path in the body."""
        data = parse.as_object(request.json(), "body")
        values = []
        for i, entry in enumerate(parse.objects(data, "entry")):
            for j, change in enumerate(parse.objects(entry, "changes", f"entry[{i}].")):
                where = f"entry[{i}].changes[{j}]."
                values.append((f"{where}value.", parse.obj(change, "value", where)))
        if not values:
            raise WebhookError("entry", "no entry[].changes[].value in the body")
        return values

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        messages = []
        for where, value in self._values(request):
            metadata = parse.obj(value, "metadata", where, required=False)
            recipient = parse.address(
                metadata, "display_phone_number", f"{where}metadata.", required=False
            )
            for k, item in enumerate(parse.objects(value, "messages", where, required=False)):
                at = f"{where}messages[{k}]."
                message_id = parse.identifier(item, "id", at)
                sender = "+" + parse.address(item, "from", at).lstrip("+")
                kind = parse.text(item, "type", at) or "unknown"
                if kind == "text":
                    text = parse.text(parse.obj(item, "text", at, required=False), "body",
                                      f"{at}text.")  # fmt: skip
                else:
                    text = f"[{kind[:40]} message]"
                messages.append(InboundSMS(message_id, sender, recipient, text, raw=item))
        return messages

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        reports = []
        for where, value in self._values(request):
            for k, item in enumerate(parse.objects(value, "statuses", where, required=False)):
                at = f"{where}statuses[{k}]."
                message_id = parse.identifier(item, "id", at)
                status = parse.choice(item, "status", STATUSES, at)
                errors = parse.objects(item, "errors", at, required=False)
                error = ""
                if errors:
                    code = errors[0].get("code")
                    title = parse.text(errors[0], "title", f"{at}errors[0].")
                    error = f"{code if isinstance(code, int | str) else ''} {title}".strip()
                reports.append(StatusReport(message_id, status, error, item))
        return reports
