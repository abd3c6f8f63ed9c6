"""Infobip SMS API v3 through the official ``infobip-api-python-client`` SDK."""

from __future__ import annotations

import json

import urllib3
from django.utils.translation import gettext_lazy
from infobip_api_client import (
    ApiClient,
    Configuration,
    SmsApi,
    SmsDestination,
    SmsMessage,
    SmsMessageContent,
    SmsMessageDeliveryReporting,
    SmsRequest,
    SmsTextContent,
    SmsWebhooks,
)

# The top-level infobip_api_client.ApiException is a pydantic model; the exception lives here.
from infobip_api_client.exceptions import ApiException

from providers import webhook_parsing as parse
from providers.adapters.base import (
    Adapter,
    FieldSpec,
    InboundSMS,
    OutgoingSMS,
    SendError,
    SendResult,
    StatusReport,
    WebhookRequest,
    is_temporary_status,
)
from providers.adapters.http import transport_error
from providers.delivery import DeliveryStatus

STATUSES = {
    "ACCEPTED": DeliveryStatus.ACCEPTED,
    "PENDING": DeliveryStatus.SENT,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "UNDELIVERABLE": DeliveryStatus.UNDELIVERED,
    "EXPIRED": DeliveryStatus.EXPIRED,
    "REJECTED": DeliveryStatus.REJECTED,
}


class InfoBip(Adapter):
    api_type = "InfoBip"
    label = "Infobip"
    fields = (
        FieldSpec(
            "endpoint",
            gettext_lazy("Base URL"),
            required=True,
            help=gettext_lazy("Your account's API base URL, e.g. https://xxxxx.api.infobip.com."),
        ),
        FieldSpec(
            "password",
            gettext_lazy("API key"),
            required=True,
            secret=True,
            help=gettext_lazy("Sent as 'Authorization: App <key>'."),
        ),
        FieldSpec(
            "sender", gettext_lazy("Sender"), help=gettext_lazy("Number or alphanumeric sender ID.")
        ),
    )

    _api: SmsApi | None = None

    @property
    def api(self) -> SmsApi:
        if self._api is None:
            configuration = Configuration(
                host=self.config.endpoint.rstrip("/"), api_key=self.config.password
            )
            configuration.retries = False  # never resend a POST on our behalf
            self._api = SmsApi(ApiClient(configuration))
        return self._api

    def deliver(self, message: OutgoingSMS) -> SendResult:
        webhooks = None
        if self.config.status_url or message.reference:
            webhooks = SmsWebhooks(
                delivery=SmsMessageDeliveryReporting(url=self.config.status_url)
                if self.config.status_url
                else None,
                callback_data=message.reference or None,
            )
        request = SmsRequest(
            messages=[
                SmsMessage(
                    sender=self.config.sender or None,
                    destinations=[SmsDestination(to=message.destination.lstrip("+"))],
                    content=SmsMessageContent(SmsTextContent(text=message.text)),
                    webhooks=webhooks,
                )
            ]
        )
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        try:
            response = self.api.send_sms_messages(sms_request=request, _request_timeout=timeout)
        except ApiException as exc:
            status = exc.status or 0
            raise SendError(
                f"HTTP {status}: {_describe(exc.body)}",
                permanent=not is_temporary_status(status),
                code=_error_code(exc.body) or str(status),
                http_status=status,
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise transport_error(exc) from exc
        detail = response.messages[0]
        group = detail.status.group_name.value if detail.status and detail.status.group_name else ""
        if group == "REJECTED":
            name = detail.status.name or "REJECTED"
            raise SendError(
                f"rejected: {name} {detail.status.description or ''}".strip(),
                permanent=True,
                code=name,
            )
        return SendResult(detail.message_id or "", status=group or "PENDING")

    # webhooks -------------------------------------------------------------------------------
    @staticmethod
    def _results(request: WebhookRequest) -> list[dict]:
        return parse.objects(parse.as_object(request.json(), "body"), "results")

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        messages = []
        for i, item in enumerate(self._results(request)):
            where = f"results[{i}]."
            text = parse.text(item, "text", where) or parse.text(item, "cleanText", where)
            messages.append(
                InboundSMS(
                    parse.identifier(item, "messageId", where),
                    parse.address(item, "from", where),
                    parse.address(item, "to", where),
                    text,
                    segments=parse.count(item, "smsCount", where),
                    raw=item,
                )
            )
        return messages

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        reports = []
        for i, item in enumerate(self._results(request)):
            where = f"results[{i}]."
            message_id = parse.identifier(item, "messageId", where)
            status = parse.choice(parse.obj(item, "status", where), "groupName", STATUSES,
                                  f"{where}status.")  # fmt: skip
            error = parse.obj(item, "error", where, required=False)
            text = parse.text(error, "name", f"{where}error.") if error.get("id") else ""
            reports.append(StatusReport(message_id, status, text, item))
        return reports


def _parsed(body: str | None) -> dict:
    try:
        data = json.loads(body or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_code(body: str | None) -> str:
    data = _parsed(body)
    return str(
        data.get("errorCode")
        or data.get("requestError", {}).get("serviceException", {}).get("messageId", "")
    )


def _describe(body: str | None) -> str:
    data = _parsed(body)
    return str(data.get("description") or (body or "")[:300])
