"""Routing of stored inbound messages into interactions (SPEC §3 routing, §3a).

A message finds its campaign (``campaigns.routing``: provider + DID, or the dialer's reply
rule), joins the customer's open interaction in that campaign through that provider or opens
one, and then:
- campaign disabled: the interaction keeps the message and waits; nothing is assigned, nothing
  is answered, until the campaign is enabled;
- campaign closed (schedule): the customer gets ``out_of_time_message`` once per closed period
  (``Interaction.out_of_time_until`` = the next opening), and the interaction waits for opening;
- campaign open: the interaction is assigned by the campaign's strategy, or waits first come
  first served (``conversations.assignment``).
No campaign: the message stays ``unrouted`` (stored, listed for admins) and is tried again by
``route_unrouted`` when a campaign takes its DID.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time

from django.db import transaction
from django.utils import timezone
from redis import RedisError

from campaigns.models import Campaign
from campaigns.routing import campaign_for_inbound
from campaigns.schedules import next_opening
from campaigns.selectors import campaign_is_open, hours_of
from contactcenter.publishing import publish
from contactcenter.redis_client import redis_client
from conversations import events
from conversations.assignment import assign_waiting
from conversations.inbound import AWAKE_KEY, AWAKE_SECONDS, DRAIN_TASK, pending_ids
from conversations.models import Interaction, Message
from conversations.outbound import queue_outbound
from conversations.states import Author, BotKind, InteractionState, Routing

logger = logging.getLogger("contactcenter.routing")

# Never open within the search horizon: one out-of-time reply, then none until this instant.
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def route_message(message_id: int, *, now: dt.datetime | None = None) -> str:
    """Route one stored inbound message; returns its routing state afterwards. ``now`` (the
    instant the schedule is read at) defaults to the current time."""
    now = now or timezone.now()
    state, waiting_in = _route(message_id, now)
    if waiting_in is not None:
        assign_waiting(waiting_in, now=now)
    return state


def _route(message_id: int, now: dt.datetime) -> tuple[str, int | None]:
    """Put the message in its interaction; returns the routing state and, when the interaction
    waits in a campaign's queue, that campaign's id (to be assigned by the caller)."""
    with transaction.atomic():
        message = Message.objects.select_for_update(no_key=True).filter(pk=message_id).first()
        if message is None or message.routing not in (Routing.PENDING, Routing.UNROUTED):
            return (message.routing if message else ""), None
        campaign = campaign_for_inbound(
            provider_id=message.provider_id,
            did=message.did,
            number=message.number,
            at=message.created_at,
        )
        if campaign is None:
            if message.routing != Routing.UNROUTED:
                message.routing = Routing.UNROUTED
                message.save(update_fields=["routing"])
                logger.info(
                    "inbound message unrouted: no campaign takes it",
                    extra={"message_id": message.pk, "provider": message.provider_id},
                )
            return Routing.UNROUTED, None
        interaction = _join(campaign, message, now)
        waiting = interaction.state == InteractionState.QUEUED
    return Routing.ROUTED, campaign.pk if waiting else None


def _join(campaign: Campaign, message: Message, now: dt.datetime) -> Interaction:
    """Put ``message`` in the customer's open interaction (opened when there is none)."""
    Campaign.objects.select_for_update(no_key=True).filter(
        pk=campaign.pk
    ).first()  # one router at a time
    interaction = (
        Interaction.objects.select_for_update(no_key=True)
        .filter(
            campaign=campaign,
            provider_id=message.provider_id,
            number=message.number,
        )
        .exclude(state=InteractionState.CLOSED)
        .first()
    )
    opened = interaction is None
    if opened:
        interaction = Interaction.objects.create(
            campaign=campaign,
            provider_id=message.provider_id,
            number=message.number,
            opened_at=message.created_at,
            queued_at=message.created_at,
            last_activity_at=now,
        )
    interaction.last_customer_at = message.created_at
    interaction.last_activity_at = now
    interaction.unread += 1
    interaction.save(update_fields=["last_customer_at", "last_activity_at", "unread"])
    message.interaction, message.routing = interaction, Routing.ROUTED
    message.seq = events.next_seq(interaction)
    message.save(update_fields=["interaction", "routing", "seq"])
    if opened:
        events.interaction_changed(interaction, "interaction.queued")
        events.queue_length(campaign.pk)
    events.message_changed(interaction, message, "message.new")
    if interaction.state == InteractionState.QUEUED and campaign.enabled:
        _answer_out_of_time(campaign, interaction, now)
    return interaction


def _answer_out_of_time(campaign: Campaign, interaction: Interaction, now: dt.datetime) -> None:
    """Closed campaign: the out-of-time reply, once per closed period."""
    if campaign_is_open(campaign, now):
        return
    if interaction.out_of_time_until is not None and now < interaction.out_of_time_until:
        return
    schedules = [hours_of(s) for s in campaign.schedules.prefetch_related("rules", "holidays")]
    interaction.out_of_time_until = next_opening(schedules, now) or FAR_FUTURE
    interaction.save(update_fields=["out_of_time_until"])
    text = campaign.out_of_time_message.strip()
    if text:
        queue_outbound(interaction, text=text, author=Author.BOT, bot_kind=BotKind.OUT_OF_TIME)


def route_unrouted(*, limit: int = 1000) -> int:
    """Try unrouted messages again (a campaign may have taken their DID since)."""
    ids = list(
        Message.objects.filter(routing=Routing.UNROUTED)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(route_message(i) == Routing.ROUTED for i in ids)


DRAIN_CHUNK = 200
DRAIN_SECONDS = 20.0
# The drainer assigns the campaigns whose queue grew at most this long after routing into them
# (and at the end of every chunk): one assign_waiting per campaign per burst, not per message.
ASSIGN_EVERY_SECONDS = 0.05


def drain_pending() -> int:
    """Route pending messages until none is left (the drainer a webhook wakes; see
    ``conversations.inbound.wake_router``). Hands over to a fresh task after DRAIN_SECONDS so a
    long burst never holds one worker. Returns how many were routed.

    Nothing is missed: when a scan finds nothing, the awake flag is dropped and the scan runs
    once more, so a message stored by a webhook that saw the flag still set is found."""
    client = redis_client()
    started = time.monotonic()
    routed = 0
    while True:
        ids = pending_ids(DRAIN_CHUNK)
        if not ids:
            with contextlib.suppress(RedisError):
                client.delete(AWAKE_KEY)
            ids = pending_ids(DRAIN_CHUNK)
            if not ids:
                return routed
            try:
                if not client.set(AWAKE_KEY, "1", nx=True, ex=AWAKE_SECONDS):
                    return routed  # another drainer is awake and will route them
            except RedisError:
                pass  # route them anyway; two drainers never route a message twice
        _route_chunk(ids)
        routed += len(ids)
        with contextlib.suppress(RedisError):
            client.expire(AWAKE_KEY, AWAKE_SECONDS)
        if time.monotonic() - started > DRAIN_SECONDS:
            if not publish(DRAIN_TASK):
                with contextlib.suppress(RedisError):
                    client.delete(AWAKE_KEY)
            return routed


def _route_chunk(ids: list[int]) -> None:
    """Route ``ids`` in order; the campaigns whose queue grew are assigned together, within
    ASSIGN_EVERY_SECONDS of routing into them: under a burst, one assignment pass serves many
    messages (it locks the campaign and its members, reads their loads and the queue), and a
    quiet moment (one message) is assigned at once, as route_message would."""
    waiting: set[int] = set()
    since = time.monotonic()
    with events.queue_lengths_coalesced():
        for message_id in ids:
            _, campaign_id = _route(message_id, timezone.now())
            if campaign_id is not None:
                waiting.add(campaign_id)
            if waiting and time.monotonic() - since >= ASSIGN_EVERY_SECONDS:
                _assign_all(waiting)
                since = time.monotonic()
        _assign_all(waiting)


def _assign_all(campaign_ids: set[int]) -> None:
    """Assign the campaigns, then send their queue lengths (coalesced since the last time)."""
    for campaign_id in sorted(campaign_ids):
        assign_waiting(campaign_id)
    campaign_ids.clear()
    events.flush_queue_lengths()
