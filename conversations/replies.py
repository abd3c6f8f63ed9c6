"""What an agent sends: a reply in an interaction of theirs, a new outbound interaction, a retry
of a failed message. Each is stored first (queued) and sent in the background
(``conversations.outbound``), so a slow or broken provider never holds up the agent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agents.services import lock_status
from campaigns.models import Campaign, CampaignMember
from contactcenter.phones import e164
from contactcenter.publishing import publish_on_commit
from contactcenter.service_errors import Conflict
from conversations import events
from conversations.load import refresh_state
from conversations.models import Assignment, Interaction, Message
from conversations.outbound import SEND_TASK, queue_outbound
from conversations.states import Author, Delivery, Direction, InteractionState, Origin
from providers.adapters import adapter_class
from providers.delivery import DeliveryStatus
from providers.encoding import EncodingError, segment_info
from providers.models import Provider
from providers.text import text_problem


def checked_text(text: str, provider: Provider, field: str = "text") -> str:
    """``text`` when ``provider`` can send it; ValidationError naming ``field`` otherwise."""
    if not (text or "").strip():
        raise ValidationError({field: _("Write a message first.")})
    problem = text_problem(text, provider)
    if problem is None:
        try:
            segment_info(text, provider.encoding)
        except EncodingError as exc:
            problem = str(exc)
    if problem:
        raise ValidationError({field: problem})
    return text


def whatsapp_window_end(interaction: Interaction) -> dt.datetime | None:
    """WhatsApp: when free text stops being allowed (WHATSAPP_WINDOW_HOURS after the customer's
    last message; the epoch when the customer never wrote). None for a channel with no window."""
    if adapter_class(interaction.provider.api_type).channel != "whatsapp":
        return None
    last = interaction.last_customer_at
    if last is None:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return last + dt.timedelta(hours=settings.WHATSAPP_WINDOW_HOURS)


def whatsapp_window_closed(interaction: Interaction, now: dt.datetime | None = None) -> bool:
    """WhatsApp: free text only within WHATSAPP_WINDOW_HOURS of the customer's last message."""
    end = whatsapp_window_end(interaction)
    return end is not None and (now or timezone.now()) > end


def reply(*, interaction_id: int, agent: User, text: str, key: str = "") -> Message:
    """Queue the agent's reply in an interaction assigned to them. Conflict (409) when it is
    closed or not theirs, or the WhatsApp window is closed; ValidationError for the text.

    ``key`` (the browser's idempotency key, one per message typed): a reply with a key this
    interaction already has is that message, not a second one, so a double click or a send
    repeated after a lost connection queues the text once. Checked under the interaction's row
    lock, so two requests with the same key at once also make one message."""
    with transaction.atomic():
        interaction = (
            Interaction.objects.select_for_update(no_key=True)
            .select_related("provider")
            .get(pk=interaction_id)
        )
        if key:
            earlier = Message.objects.filter(
                interaction_id=interaction.pk,
                direction=Direction.OUT,
                raw__client_key=key,
                agent_id=agent.pk,
            ).first()
            if earlier is not None:
                return earlier
        if interaction.state == InteractionState.CLOSED:
            raise Conflict(_("This interaction is closed."))
        if interaction.agent_id != agent.pk:
            raise Conflict(_("This interaction is not assigned to you."))
        checked_text(text, interaction.provider)
        if whatsapp_window_closed(interaction):
            raise Conflict(
                _(
                    "The customer last wrote more than %(hours)s hours ago: WhatsApp allows "
                    "free text only within that window."
                )
                % {"hours": settings.WHATSAPP_WINDOW_HOURS}
            )
        raw = {"client_key": key} if key else None
        return queue_outbound(
            interaction, text=text, author=Author.AGENT, agent_id=agent.pk, raw=raw
        )


def start_interaction(*, agent: User, campaign_id: int, number: str, text: str) -> Interaction:
    """Open an outbound interaction in a campaign the agent is a member of, held by the agent,
    and queue its first message through the campaign's provider. An open interaction with that
    customer in that campaign is a Conflict."""
    errors: dict[str, str] = {}
    campaign = Campaign.objects.select_related("provider").filter(pk=campaign_id).first()
    if (
        campaign is None
        or not CampaignMember.objects.filter(campaign=campaign, agent=agent).exists()
    ):
        errors["campaign"] = _("Choose a campaign you are a member of.")
    try:
        customer = e164(number)
    except ValueError:
        errors["number"] = _("“%(value)s” is not a valid phone number.") % {
            "value": (number or "")[:40]
        }
    if campaign is not None and campaign.provider_id is None:
        errors["campaign"] = _("This campaign has no provider to send through.")
    if campaign is not None and campaign.provider_id is not None:
        try:
            checked_text(text, campaign.provider)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        status = lock_status(agent.pk)
        if (
            Interaction.objects.filter(
                campaign=campaign, provider_id=campaign.provider_id, number=customer
            )
            .exclude(state=InteractionState.CLOSED)
            .exists()
        ):
            raise Conflict(_("This customer already has an open interaction in this campaign."))
        interaction = Interaction.objects.create(
            campaign=campaign,
            provider_id=campaign.provider_id,
            number=customer,
            origin=Origin.AGENT,
            state=InteractionState.ASSIGNED,
            agent=agent,
            opened_at=now,
            assigned_at=now,
            last_activity_at=now,
        )
        Assignment.objects.create(
            interaction=interaction, campaign=campaign, agent=agent, assigned_at=now
        )
        events.next_seq(interaction)
        events.interaction_changed(interaction, "interaction.assigned")
        queue_outbound(interaction, text=text, author=Author.AGENT, agent_id=agent.pk)
        refresh_state(status)
    return interaction


def retry_message(*, message_id: int, user: User) -> Message:
    """Send a failed message again, once. Only a message the provider refused or never took
    (``report_status`` ``rejected``, no provider id) is sent again. Conflict (409) with the
    reason otherwise: a message the provider accepted (it failed on the network afterwards), a
    message whose fate is unknown (the worker stopped while the provider had it: it may have
    been accepted, see ``outbound.fail_stuck_sends``), a message not failed (a second retry
    finds it queued), a closed interaction. Whether ``user`` may act on the message is the
    caller's check (selectors)."""
    with transaction.atomic():
        interaction_id = Message.objects.values_list("interaction_id", flat=True).get(pk=message_id)
        if interaction_id is None:
            raise Conflict(_("Only a failed message can be sent again."))
        interaction = Interaction.objects.select_for_update(no_key=True).get(pk=interaction_id)
        message = Message.objects.select_for_update(no_key=True).get(pk=message_id)
        if message.direction != Direction.OUT or message.delivery != Delivery.FAILED:
            raise Conflict(_("Only a failed message can be sent again."))
        if message.provider_message_id:
            raise Conflict(
                _(
                    "The provider accepted this message and reported it failed afterwards; "
                    "sending it again could deliver it twice. Write a new message instead."
                )
            )
        if message.report_status != DeliveryStatus.REJECTED:
            raise Conflict(
                _(
                    "Nobody knows whether the provider accepted this message (the sending "
                    "stopped half-way); sending it again could deliver it twice. Write a new "
                    "message if the customer did not get it."
                )
            )
        if interaction.state == InteractionState.CLOSED:
            raise Conflict(_("This interaction is closed."))
        message.delivery, message.error = Delivery.QUEUED, ""
        message.report_status = DeliveryStatus.UNKNOWN
        message.attempts, message.status_at = 0, None
        message.seq = events.next_seq(interaction)
        message.save(
            update_fields=["delivery", "error", "report_status", "attempts", "status_at", "seq"]
        )
        events.message_changed(interaction, message, "message.delivery")
        publish_on_commit(SEND_TASK, message.pk)
    return message
