"""CM.com Business Messaging JSON API (``CMG``)."""

from __future__ import annotations

from typing import Any

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

DEFAULT_ENDPOINT = "https://gw.messaging.cm.com/v1.0/message"
# errorCode values a retry can cure: 500 internal error, 999 unknown.
TEMPORARY_CODES = {500, 999}
# Status report codes: 0 accepted by the operator, 1 rejected, 2 delivered, 3 failed, 4 read.
STATUSES = {
    "0": DeliveryStatus.SENT,
    "1": DeliveryStatus.REJECTED,
    "2": DeliveryStatus.DELIVERED,
    "3": DeliveryStatus.FAILED,
    "4": DeliveryStatus.READ,
}


def cm_number(number: str) -> str:
    """CM wants international numbers as 00 + country code + number."""
    return "00" + number[1:] if number.startswith("+") else number


class CMG(HttpSender, Adapter):
    api_type = "CMG"
    label = "CM.com"
    fields = (
        FieldSpec("password", gettext_lazy("Product token"), required=True, secret=True),
        FieldSpec(
            "sender",
            gettext_lazy("From"),
            required=True,
            help=gettext_lazy("Up to 11 letters or 16 digits."),
        ),
        FieldSpec(
            "endpoint",
            gettext_lazy("URL"),
            help=format_lazy(gettext_lazy("Empty for {url}."), url=DEFAULT_ENDPOINT),
        ),
        FieldSpec(
            "settings.max_parts",
            gettext_lazy("Maximum parts"),
            default=8,
            help=gettext_lazy("Longest message allowed, in SMS parts (1–8)."),
        ),
    )

    def deliver(self, message: OutgoingSMS) -> SendResult:
        # CM returns no message id: the reference we send is echoed in status reports.
        reference = message.reference.replace("-", "")[:32]
        body = {
            "messages": {
                "authentication": {"productToken": self.config.password},
                "msg": [
                    {
                        "from": self.config.sender,
                        "to": [{"number": cm_number(message.destination)}],
                        "body": {"type": "auto", "content": message.text},
                        "reference": reference,
                        "minimumNumberOfMessageParts": 1,
                        "maximumNumberOfMessageParts": int(self.config.setting("max_parts", 8)),
                    }
                ],
            }
        }
        response = self.http(
            "POST",
            self.config.endpoint or DEFAULT_ENDPOINT,
            json_body=body,
            headers={"X-CM-PRODUCTTOKEN": self.config.password},
        )
        data = _json(response)
        code = int(data.get("errorCode") or 0) if isinstance(data, dict) else 0
        detail = (data.get("messages") or [{}])[0] if isinstance(data, dict) else {}
        if response.status_code >= 500 or code in TEMPORARY_CODES or response.status_code == 429:
            raise self.http_failure(
                response, data.get("details", "") if data else "", str(code or "")
            )
        if not response.ok or code or detail.get("status") == "Rejected":
            text = (
                detail.get("messageDetails") or (data or {}).get("details") or response.text[:300]
            )
            raise SendError(
                str(text),
                permanent=True,
                code=str(detail.get("messageErrorCode") or code),
                http_status=response.status_code,
            )
        parts = detail.get("parts")
        return SendResult(
            reference,
            status=detail.get("status", "Accepted"),
            segments=int(parts) if parts else None,
            raw=data,
        )

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        data = parse.as_object(request.json(), "body")
        messages = parse.obj(data, "messages")
        items = messages.get("msg")
        if isinstance(items, dict):
            items = [items]
        items = parse.objects({"msg": items}, "msg", "messages.")
        if not items:
            raise WebhookError("messages.msg", "empty")
        reports = []
        for i, item in enumerate(items):
            where = f"messages.msg[{i}]."
            reference = parse.identifier(item, "reference", where, numbers=True)
            status = item.get("status")
            if isinstance(status, dict):
                code = parse.identifier(status, "code", f"{where}status.", numbers=True)
                error = parse.text(status, "errorDescription", f"{where}status.")
            else:
                code, error = parse.identifier(item, "status", where, numbers=True), ""
            if code not in STATUSES:
                raise WebhookError(f"{where}status", f"unknown status code '{code[:40]}'")
            reports.append(StatusReport(reference, STATUSES[code], error, item))
        return reports

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        data = parse.as_object(request.json(), "body")
        reference = parse.identifier(data, "reference", numbers=True)
        key = "message" if data.get("message") not in (None, "") else "body"
        text = data.get(key)
        if isinstance(text, dict):
            text = parse.text(text, "text", f"{key}.")
        else:
            text = parse.text(data, key)
        return [
            InboundSMS(
                reference,
                _number(data, "from"),
                _number(data, "to", required=False),
                text,
                raw=data,
            )
        ]


def _number(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    """A number as text or as ``{"number": ...}``."""
    value = data.get(key)
    if isinstance(value, dict):
        return parse.address(value, "number", f"{key}.", required=required)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return parse.address({key: value}, key, required=required)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}
