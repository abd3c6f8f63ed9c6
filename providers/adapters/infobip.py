"""Infobip SMS API v3 through the official ``infobip-api-python-client`` SDK."""

from __future__ import annotations

import json

import urllib3
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
    is_temporary_status,
    require,
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
            "Base URL",
            required=True,
            help="Your account's API base URL, e.g. https://xxxxx.api.infobip.com.",
        ),
        FieldSpec(
            "password",
            "API key",
            required=True,
            secret=True,
            help="Sent as 'Authorization: App <key>'.",
        ),
        FieldSpec("sender", "Sender", help="Number or alphanumeric sender ID."),
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
        data = request.json()
        (results,) = require(data, "results")
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise WebhookError("'results' is not a list of objects")
        return results

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        messages = []
        for item in self._results(request):
            message_id, sender, to = require(item, "messageId", "from", "to")
            text = item.get("text") or item.get("cleanText") or ""
            messages.append(
                InboundSMS(
                    message_id, sender, to, text, segments=int(item.get("smsCount") or 1), raw=item
                )
            )
        return messages

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        reports = []
        for item in self._results(request):
            message_id, status = require(item, "messageId", "status")
            group = status.get("groupName") if isinstance(status, dict) else None
            if group not in STATUSES:
                raise WebhookError(f"unknown status groupName '{group}'")
            error = item.get("error") or {}
            text = (
                "" if not isinstance(error, dict) or not error.get("id") else error.get("name", "")
            )
            reports.append(StatusReport(message_id, STATUSES[group], text, item))
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
