"""Playing the customer: a message typed in the simulator is stored exactly as the campaign's
Sandbox provider's inbound webhook would store it (``conversations.inbound.receive_inbound``,
through the adapter's own parser), so routing, the out-of-time reply and assignment run as
for a real customer."""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from contactcenter.phones import e164
from conversations.inbound import receive_inbound
from conversations.models import Message
from conversations.states import Direction
from providers.adapters.base import WebhookRequest
from providers.text import text_problem
from providers.webhook_parsing import WebhookError

ID_PREFIX = "sim-"


def customer_number(text: str) -> str:
    """The number typed, as E.164 (``contactcenter.phones.e164``, DEFAULT_PHONE_REGION for
    national numbers); ValidationError naming ``number`` otherwise."""
    if not (text or "").strip():
        raise ValidationError({"number": _("Give the customer's phone number.")})
    try:
        return e164(text)
    except ValueError:
        raise ValidationError(
            {
                "number": _(
                    "“%(number)s” is not a valid phone number; write it with its country code "
                    "(+598 99 123 456) or as a national number."
                )
                % {"number": text.strip()[:40]}
            }
        ) from None


def _check_reachable(campaign: Campaign) -> None:
    """A message to the campaign's DID on its provider must route to this campaign (two
    campaigns on one sandbox without a DID: the first one takes them all)."""
    first = (
        Campaign.objects.filter(provider_id=campaign.provider_id, did=campaign.did)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first != campaign.pk:
        raise ValidationError(
            {
                "campaign": _(
                    "Messages to this campaign's provider without a DID go to another campaign; "
                    "give this campaign a DID of its own."
                )
            }
        )


def inbound_request(*, sender: str, recipient: str, text: str, message_id: str) -> WebhookRequest:
    """The webhook call the Sandbox provider's inbound URL would receive (generic format)."""
    body = {"from": sender, "to": recipient, "text": text, "id": message_id}
    return WebhookRequest(
        method="POST",
        url="sandbox:inbound",
        headers={"content-type": "application/json"},
        query={},
        form={},
        body=json.dumps(body).encode(),
    )


def send_as_customer(*, campaign: Campaign, number: str, text: str) -> Message:
    """Store ``text`` from customer ``number`` to ``campaign`` as its webhook would, and wake
    routing (after commit). ValidationError naming the field; nothing stored then."""
    errors: dict[str, str] = {}
    try:
        sender = customer_number(number)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        sender = ""
    if not (text or "").strip():
        errors["text"] = _("Write a message.")
    else:
        problem = text_problem(text)
        if problem:
            errors["text"] = problem
    if not errors:
        try:
            _check_reachable(campaign)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    message_id = f"{ID_PREFIX}{uuid.uuid4().hex}"
    request = inbound_request(
        sender=sender, recipient=campaign.did, text=text, message_id=message_id
    )
    try:
        stored = receive_inbound(provider=campaign.provider, request=request)
    except WebhookError as exc:  # the adapter's parser refused it (a limit of the webhooks)
        raise ValidationError({"text": f"{exc.field}: {exc.reason}"}) from exc
    if not stored:
        raise ValidationError({"text": _("The message was not stored; try again.")})
    return Message.objects.get(
        provider_id=campaign.provider_id,
        direction=Direction.IN,
        provider_message_id=message_id,
    )
