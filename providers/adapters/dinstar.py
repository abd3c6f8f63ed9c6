"""Dinstar GSM gateways' HTTP API (``DinstarWeb``), firmware 1102 or later."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

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
)
from providers.adapters.http import HttpSender
from providers.delivery import DeliveryStatus
from providers.ports import MAX_PORT, parse_ports
from providers.webhook_parsing import as_object, choice, count, identifier, objects, text

# 202 accepted (queued in the gateway); 500 internal error and 550 no free port are worth a retry.
TEMPORARY_CODES = {500, 550}
RESULTS = {
    "SENDING": DeliveryStatus.ACCEPTED,
    "SENT_OK": DeliveryStatus.SENT,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "FAILED": DeliveryStatus.FAILED,
}


class DinstarWeb(HttpSender, Adapter):
    api_type = "DinstarWeb"
    label = gettext_lazy("Dinstar gateway")
    uses_ports = True
    fields = (
        FieldSpec(
            "endpoint",
            gettext_lazy("Gateway URL"),
            required=True,
            help=gettext_lazy("e.g. https://192.0.2.10"),
        ),
        FieldSpec("username", gettext_lazy("User"), required=True),
        FieldSpec("password", gettext_lazy("Password"), required=True, secret=True),
        FieldSpec(
            "ports",
            gettext_lazy("Ports"),
            required=True,
            help=gettext_lazy("Ports to send from: a range 0-3 (or 0.3) or a list 0,2,5."),
        ),
        FieldSpec(
            "settings.auth_scheme",
            gettext_lazy("Authentication"),
            default="digest",
            choices=(("digest", "HTTP Digest"), ("basic", "HTTP Basic")),
        ),
        FieldSpec(
            "settings.verify_tls",
            gettext_lazy("Verify the TLS certificate"),
            default="no",
            choices=(
                ("no", gettext_lazy("No (the gateway's self-signed certificate)")),
                ("yes", gettext_lazy("Yes")),
            ),
            help=gettext_lazy("Gateways ship self-signed certificates."),
        ),
    )

    @property
    def verify_tls(self) -> bool:  # gateways ship self-signed certificates
        return self.config.setting("verify_tls", "no") == "yes"

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        try:
            parse_ports(config.ports)
        except ValueError as exc:
            return {"ports": str(exc)}
        return {}

    def deliver(self, message: OutgoingSMS) -> SendResult:
        port = message.port if message.port is not None else parse_ports(self.config.ports)[0]
        body = {
            "text": message.text,
            "param": [{"number": message.destination, "user_id": message.number}],
            "port": [port],
            "encoding": "unicode" if message.encoding == "UCS2" else "gsm-7bit",
            "request_status_report": True,
        }
        credentials = (self.config.username, self.config.password)
        basic = self.config.setting("auth_scheme", "digest") == "basic"
        response = self.http(
            "POST",
            self.config.endpoint.rstrip("/") + "/api/send_sms",
            json_body=body,
            basic_auth=credentials if basic else None,
            digest_auth=None if basic else credentials,
        )
        if not response.ok:
            raise self.http_failure(response)
        try:
            data = response.json()
            code = int(data["error_code"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SendError(
                f"unreadable reply: {response.text[:300]}", permanent=True, code="reply"
            ) from exc
        if code != 202:
            raise SendError(
                f"gateway error_code {code}: {response.text[:300]}",
                permanent=code not in TEMPORARY_CODES,
                code=str(code),
            )
        # Results and delivery reports name the message by our user_id.
        return SendResult(str(message.number), status="queued", raw=data)

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        data = as_object(request.json(), "body")
        sn = identifier(data, "sn", max_length=60)
        messages = []
        for i, item in enumerate(objects(data, "sms")):
            where = f"sms[{i}]."
            number = identifier(item, "incoming_sms_id", where, numbers=True, max_length=60)
            # The receiving port is the recipient (campaigns use it as their DID).
            missing = item.get("port") in (None, "")
            port = "" if missing else str(count(item, "port", where, low=0, high=MAX_PORT))
            messages.append(
                InboundSMS(
                    f"{sn}:{number}",
                    identifier(item, "number", where, numbers=True, max_length=60),
                    port,
                    text(item, "text", where),
                    raw=item,
                )
            )
        return messages

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        data = as_object(request.json(), "body")
        reports = []
        for i, item in enumerate(objects(data, "sms_result")):
            where = f"sms_result[{i}]."
            user_id = identifier(item, "user_id", where, numbers=True)
            status = choice(item, "status", RESULTS, where)
            reports.append(StatusReport(user_id, status, raw=item))
        return reports
