"""Sandbox: a provider type that sends nowhere.

It exists so the portal can be tried (``make run``'s demo campaign, the customer simulator) and
tested without a provider account. A send succeeds at once with a unique provider message id
and hands what would have gone on the wire to ``sandbox_sent``; the simulator app (above this
one) records it and plays the provider's delivery reports (sent, then delivered) through the
provider's usual status path (``providers.services.receive_status``), so replies, the dialer,
SendSMS and Test sends see their ticks move exactly as with a real provider.

Its webhooks take the generic URL format (``docs/providers.md``): a message can also be
injected with ``curl`` at the provider's inbound URL, and a status at its status URL.
"""

from __future__ import annotations

import re
import uuid
from typing import ClassVar

from django.dispatch import Signal
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
from providers.adapters.urlapi import URLSMS, check_pattern
from providers.encoding import EncodingError, segment_info

# Sent by every accepted send with ``provider_id``, ``message`` (OutgoingSMS),
# ``provider_message_id`` and ``segments``: the simulator app records it and reports delivery.
sandbox_sent = Signal()

ID_PREFIX = "sandbox-"


class Sandbox(Adapter):
    api_type = "Sandbox"
    label = gettext_lazy("Sandbox (sends nowhere; for trying the portal)")

    fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("sender", gettext_lazy("SMS From")),
        FieldSpec(
            "settings.refuse_pattern",
            gettext_lazy("Refuse numbers matching"),
            help=gettext_lazy(
                "Regular expression (optional): destinations that match are refused as a "
                "provider would refuse them, to try how failures look."
            ),
        ),
    )

    @classmethod
    def validate(cls, config: ProviderConfig) -> dict[str, str]:
        errors: dict[str, str] = {}
        check_pattern(config, "refuse_pattern", errors)
        return errors

    def deliver(self, message: OutgoingSMS) -> SendResult:
        refuse = self.config.setting("refuse_pattern")
        if refuse and re.search(refuse, message.destination):
            raise SendError(
                f"the sandbox refuses {message.destination} (it matches {refuse})",
                permanent=True,
                code="refused",
            )
        try:
            segments = segment_info(message.text, message.encoding).segments
        except EncodingError:
            segments = segment_info(message.text, "auto").segments
        provider_message_id = f"{ID_PREFIX}{uuid.uuid4().hex}"
        sandbox_sent.send(
            sender=type(self),
            provider_id=self.config.provider_id,
            message=message,
            provider_message_id=provider_message_id,
            segments=segments,
        )
        return SendResult(provider_message_id, status="accepted", segments=segments)

    # webhooks: the generic URL format ------------------------------------------------------
    def parse_inbound(self, request: WebhookRequest) -> list[InboundSMS]:
        return URLSMS.parse_inbound(self, request)  # type: ignore[arg-type]

    def parse_status(self, request: WebhookRequest) -> list[StatusReport]:
        return URLSMS.parse_status(self, request)  # type: ignore[arg-type]
