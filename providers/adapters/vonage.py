"""Vonage (Nexmo) SMS API through the official ``vonage`` SDK."""

from __future__ import annotations

import math
import re
import time
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext, gettext_lazy
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import HttpRequestError
from vonage_sms import PartialFailureError, SmsError, SmsMessage

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

# 1 throttled, 5 internal error, 10 too many binds: a later retry can succeed.
TEMPORARY_CODES = {"1", "5", "10"}
STATUSES = {
    "accepted": DeliveryStatus.ACCEPTED,
    "buffered": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "expired": DeliveryStatus.EXPIRED,
    "failed": DeliveryStatus.FAILED,
    "rejected": DeliveryStatus.REJECTED,
    "unknown": DeliveryStatus.UNKNOWN,
}
# Signed webhooks older (or further ahead) than this are refused: replays of old callbacks.
SIGNATURE_MAX_AGE = 300
SIGNATURE_METHODS = (
    ("md5", "MD5 HMAC"),
    ("sha1", "SHA-1 HMAC"),
    ("sha256", "SHA-256 HMAC"),
    ("sha512", "SHA-512 HMAC"),
)


class Nexmo(Adapter):
    api_type = "Nexmo"
    label = "Vonage / Nexmo"
    signs_webhooks = True
    fields = (
        FieldSpec("username", gettext_lazy("API key"), required=True),
        FieldSpec("password", gettext_lazy("API secret"), required=True, secret=True),
        FieldSpec(
            "sender",
            gettext_lazy("From"),
            required=True,
            help=gettext_lazy(
                "A Vonage number or an alphanumeric sender ID (up to 11 characters)."
            ),
        ),
        FieldSpec(
            "settings.signature_secret",
            gettext_lazy("Signature secret"),
            secret=True,
            help=gettext_lazy(
                "When set, sends are signed and webhooks without a valid 'sig' are refused."
            ),
        ),
        FieldSpec(
            "settings.signature_method",
            gettext_lazy("Signature method"),
            default="sha256",
            choices=SIGNATURE_METHODS,
        ),
        FieldSpec(
            "endpoint",
            gettext_lazy("REST host"),
            help=gettext_lazy("Empty for https://rest.nexmo.com. The SDK speaks https only."),
        ),
    )

    _client: Vonage | None = None

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        if config.endpoint and urlsplit(config.endpoint).scheme not in ("", "https"):
            return {"endpoint": gettext("The Vonage SDK speaks https only: use an https:// URL.")}
        return {}

    def _signature_auth(self) -> Auth:
        return Auth(
            api_key=self.config.username,
            signature_secret=self.config.setting("signature_secret"),
            signature_method=self.config.setting("signature_method", "sha256"),
        )

    @property
    def client(self) -> Vonage:
        if self._client is None:
            endpoint = self.config.endpoint
            host = urlsplit(endpoint).netloc if "://" in endpoint else endpoint
            options = {
                "timeout": math.ceil(self.config.read_timeout),
                # No SDK retries (a retried POST could send twice); pool of one because the
                # SDK's RemoteDisconnected loop retries as many times as the pool is large.
                "max_retries": 0,
                "pool_maxsize": 1,
            }
            if host:
                options["rest_host"] = host.rstrip("/")
            # Sends use key + secret (Basic auth). The SDK can sign sends instead, but it signs
            # the None-valued fields that requests then leaves out of the form, so the
            # signature cannot match on the server: the signature secret only checks webhooks.
            auth = Auth(api_key=self.config.username, api_secret=self.config.password)
            self._client = Vonage(auth, HttpClientOptions(**options))
        return self._client

    def deliver(self, message: OutgoingSMS) -> SendResult:
        sms = SmsMessage(
            to=message.destination.lstrip("+"),
            from_=self.config.sender,
            text=message.text,
            type="unicode" if message.encoding == "UCS2" else "text",
            client_ref=message.reference or None,
            callback=self.config.status_url or None,
        )
        try:
            response = self.client.sms.send(sms)
        except PartialFailureError as exc:
            raise SendError(
                f"only some parts were sent: {exc.response}", permanent=True, code="partial"
            ) from exc
        except SmsError as exc:
            found = re.search(r"error code (\d+): (.*)", str(exc))
            code, text = (found.group(1), found.group(2)) if found else ("", str(exc))
            raise SendError(text, permanent=code not in TEMPORARY_CODES, code=code) from exc
        except HttpRequestError as exc:
            status = exc.response.status_code
            raise SendError(
                f"HTTP {status}: {exc.response.text[:300]}",
                permanent=not is_temporary_status(status),
                code=str(status),
                http_status=status,
            ) from exc
        except requests.RequestException as exc:
            raise transport_error(exc) from exc
        ids = [m.message_id for m in response.messages]
        return SendResult(ids[0], status="accepted", segments=len(ids), raw=ids)

    # webhooks -------------------------------------------------------------------------------
    def verify_webhook(self, request: WebhookRequest) -> bool:
        if not self.config.setting("signature_secret"):
            return True  # the secret URL is the only check then
        params = request.flat_params()
        if not params.get("sig") or not signed_recently(params.get("timestamp", "")):
            return False
        try:
            return self._signature_auth().check_signature(
                dict(params)
            )  # pops 'sig': give it a copy
        except (ValueError, TypeError):
            return False

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        params = request.flat_params()
        message_id = parse.identifier(params, "messageId")
        sender, to = parse.address(params, "msisdn"), parse.address(params, "to")
        text = parse.text(params, "text")
        if params.get("concat") == "true":
            require(params, "concat-ref", "concat-total", "concat-part")
            ref = parse.identifier(params, "concat-ref", max_length=parse.REF_LENGTH)
            total = parse.count(params, "concat-total", default=None)
            part = parse.count(params, "concat-part", default=None, high=total)
            return [InboundSMS(message_id, sender, to, text, raw=params, concat=(ref, total, part))]
        return [InboundSMS(message_id, sender, to, text, raw=params)]

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        params = request.flat_params()
        message_id = parse.identifier(params, "messageId")
        status = parse.choice(params, "status", STATUSES)
        error = parse.text(params, "err-code")
        return [StatusReport(message_id, status, "" if error == "0" else error, params)]


def signed_recently(timestamp: str, now: float | None = None) -> bool:
    """Whether a signed webhook's ``timestamp`` (Unix seconds) is within SIGNATURE_MAX_AGE of
    now: an older signed callback is a replay (refused even though its signature is valid)."""
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    return abs((time.time() if now is None else now) - signed_at) <= SIGNATURE_MAX_AGE
