"""Replies to dialer messages reach the dialer's campaign: sent rows keep their number
normalised, and routing matches a customer's reply on it (same provider, recent enough)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.routing import campaign_for_inbound
from conversations.models import Message
from conversations.routing import route_message
from conversations.states import Routing
from dialer.models import SpoolRow
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign
from tests.conversations.factories import inbound
from tests.dialer.factories import dialer_for, gateway, send_due, spool
from tests.fakeprovider import FakeProviderServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(supervisor):
    """A dialer (campaign without a DID) that sent to a UY number written nationally."""
    with FakeProviderServer() as server:
        dialer = dialer_for(supervisor, gateway(server.url))
        spool(dialer.campaign, [("098344484", "Your appointment is tomorrow", 0)])
        assert send_due(dialer) == 1
    return dialer


def reply(dialer, sender, *, provider=None, recipient="12345", when=None):
    """The customer's reply stored as a webhook stores it (at ``when``), then routed: its
    routing state and the campaign of the interaction it joined."""
    message = inbound(provider or dialer.provider, sender, "yes", did=recipient)
    if when is not None:
        Message.objects.filter(pk=message.pk).update(created_at=when)
    state = route_message(message.pk)
    message.refresh_from_db()
    return state, message.interaction.campaign_id if message.interaction else None


def test_a_sent_row_keeps_its_number_normalised(sent):
    row = SpoolRow.objects.get(campaign=sent.campaign)
    assert (row.state, row.destination, row.number) == (S.SENT, "098344484", "+59898344484")


@pytest.mark.parametrize("sender", ["+59898344484", "59898344484", "098344484"])
def test_a_reply_reaches_the_dialer_campaign_however_the_provider_writes_the_number(sent, sender):
    assert reply(sent, sender) == (Routing.ROUTED, sent.campaign_id)


def test_a_campaign_taking_the_did_comes_first(sent, supervisor):
    other = make_campaign(supervisor, name="Inbound line", provider=sent.provider, did="12345")
    assert reply(sent, "+59898344484") == (Routing.ROUTED, other.pk)


def test_a_stranger_an_old_reply_or_another_provider_stay_unrouted(sent):
    unrouted = (Routing.UNROUTED, None)
    assert reply(sent, "+59899999999") == unrouted
    weeks_later = timezone.now() + dt.timedelta(days=8)
    assert reply(sent, "+59898344484", when=weeks_later) == unrouted
    with FakeProviderServer() as server:
        elsewhere = gateway(server.url, name="Other gateway")
    assert reply(sent, "+59898344484", provider=elsewhere) == unrouted


def test_the_reply_rule_answers_through_campaign_for_inbound(sent):
    """The one lookup routing asks: by DID first, else the dialer that last sent to the number
    through this provider, no later than the message and within DIALER_REPLY_DAYS."""
    now = timezone.now()

    def found(number, *, at=now, did="12345"):
        return campaign_for_inbound(provider_id=sent.provider_id, did=did, number=number, at=at)

    assert found("+59898344484") == sent.campaign
    assert found("+59899999999") is None
    assert found("+59898344484", at=now - dt.timedelta(hours=1)) is None  # before it was sent
    assert found("+59898344484", at=now + dt.timedelta(days=8)) is None


def test_rows_not_sent_keep_no_number(supervisor):
    with FakeProviderServer() as server:
        dialer = dialer_for(supervisor, gateway(server.url, number_regexp=r"^\+"))
        spool(dialer.campaign, [("098344484", "hi", 0)])
        send_due(dialer)
    row = SpoolRow.objects.get(campaign=dialer.campaign)
    assert (row.state, row.number) == (S.OTHER, "")
