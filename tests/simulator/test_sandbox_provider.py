"""The Sandbox provider type: saved with no credentials, sends nowhere but records what it
would send under a unique id, refuses what its pattern names, and reports delivery (sent, then
delivered) through the status path real providers take, for every sender: an agent's reply,
the out-of-time reply, a provider's Test send."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from campaigns.services import save_schedule
from conversations.models import Message
from conversations.outbound import send_queued
from conversations.replies import reply
from conversations.routing import route_message
from conversations.states import Author, BotKind, Delivery
from providers.adapters.base import OutgoingSMS, SendError
from providers.delivery import DeliveryStatus
from providers.models import DeliveryReport, OutboundMessage, Provider
from providers.services import adapter_for, send_message
from simulator.deliveries import report_next, stalled
from simulator.models import SandboxDelivery
from simulator.services import send_as_customer
from tests.conversations.factories import member
from tests.simulator.helpers import sandbox_campaign, sandbox_provider

pytestmark = pytest.mark.django_db


def test_saved_without_credentials_and_sends_nowhere_with_unique_ids():
    provider = sandbox_provider()
    adapter = adapter_for(provider)
    first = adapter.send(OutgoingSMS("+59899123456", "Hello", reference="r1", encoding="GSM7"))
    second = adapter.send(OutgoingSMS("+59899123456", "Hello", reference="r2", encoding="GSM7"))
    assert first.provider_message_id != second.provider_message_id
    assert first.provider_message_id.startswith("sandbox-")
    recorded = list(SandboxDelivery.objects.order_by("pk"))
    assert [(d.provider_id, d.number, d.text, d.provider_message_id) for d in recorded] == [
        (provider.pk, "+59899123456", "Hello", first.provider_message_id),
        (provider.pk, "+59899123456", "Hello", second.provider_message_id),
    ]


def test_segments_are_counted_as_a_provider_would():
    provider = sandbox_provider()
    result = adapter_for(provider).send(OutgoingSMS("+59899123456", "ñ" * 71, encoding="UCS2"))
    assert result.segments == 2
    assert SandboxDelivery.objects.get().segments == 2


def test_refuse_pattern_makes_a_permanent_refusal_and_records_nothing():
    provider = sandbox_provider(refuse_pattern=r"^\+5989900")
    with pytest.raises(SendError) as refused:
        adapter_for(provider).send(OutgoingSMS("+59899001234", "Hi", encoding="GSM7"))
    assert refused.value.permanent
    assert "+59899001234" in str(refused.value)
    assert not SandboxDelivery.objects.exists()


def test_a_refuse_pattern_that_is_no_regular_expression_is_refused_on_save():
    with pytest.raises(ValidationError) as refused:
        sandbox_provider(refuse_pattern="([")
    assert "settings.refuse_pattern" in refused.value.message_dict
    assert not SandboxDelivery.objects.exists()


def test_test_send_turns_delivered_through_the_status_path():
    provider = sandbox_provider()
    sent = send_message(provider=provider, destination="+59899123456", text="Test")
    assert sent.state == OutboundMessage.State.SENT
    delivery = SandboxDelivery.objects.get(provider_message_id=sent.provider_message_id)
    assert report_next(delivery.pk) == "sent"
    assert report_next(delivery.pk) == "delivered"
    assert report_next(delivery.pk) is None  # nothing left: a duplicate task does nothing
    sent.refresh_from_db()
    assert sent.delivery_status == DeliveryStatus.DELIVERED
    reports = DeliveryReport.objects.filter(provider=provider).order_by("pk")
    assert [r.status for r in reports] == ["sent", "delivered"]


def test_an_agents_reply_is_recorded_and_delivered(
    supervisor, agent, django_capture_on_commit_callbacks
):
    campaign = sandbox_campaign(supervisor, did="5000")
    member(campaign, agent)
    customer = send_as_customer(campaign=campaign, number="099 123 456", text="Hi there")
    route_message(customer.pk)
    customer.refresh_from_db()
    assert customer.interaction.agent_id == agent.pk
    answer = reply(interaction_id=customer.interaction_id, agent=agent, text="How can I help?")
    send_queued(answer.pk)
    answer.refresh_from_db()
    assert answer.delivery == Delivery.SENT
    delivery = SandboxDelivery.objects.get(provider_message_id=answer.provider_message_id)
    assert (delivery.number, delivery.text) == ("+59899123456", "How can I help?")
    report_next(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the receivers run after commit
        report_next(delivery.pk)
    answer.refresh_from_db()
    assert answer.delivery == Delivery.DELIVERED


def test_the_out_of_time_reply_goes_through_the_sandbox(supervisor):
    never = save_schedule(
        schedule=None,
        name="Never",
        time_zone="UTC",
        rules=[{"weekdays": [0], "start": dt.time(0, 0), "end": dt.time(0, 1)}],
        holidays=[{"date": dt.date.today() + dt.timedelta(days=d)} for d in range(-1, 8)],
        security_group=supervisor.security_groups.first(),
    )
    campaign = sandbox_campaign(supervisor, did="5000", schedules=[never])
    customer = send_as_customer(campaign=campaign, number="+59899123456", text="Open?")
    route_message(customer.pk)
    bot = Message.objects.get(author=Author.BOT, bot_kind=BotKind.OUT_OF_TIME)
    send_queued(bot.pk)
    bot.refresh_from_db()
    assert bot.delivery == Delivery.SENT
    assert SandboxDelivery.objects.get(provider_message_id=bot.provider_message_id).text == (
        "We are closed."
    )


def test_stalled_reports_are_found_for_the_sweeper(settings):
    settings.SWEEP_AFTER_SECONDS = 0
    settings.SANDBOX_DELIVERED_AFTER = 0
    provider = sandbox_provider()
    adapter_for(provider).send(OutgoingSMS("+59899123456", "Hi", encoding="GSM7"))
    delivery = SandboxDelivery.objects.get()
    assert stalled(10) == [delivery.pk]
    report_next(delivery.pk)
    report_next(delivery.pk)
    assert stalled(10) == []


def test_an_unsaved_configuration_records_nothing():
    from providers.adapters.base import ProviderConfig
    from providers.adapters.sandbox import Sandbox

    result = Sandbox(ProviderConfig(api_type="Sandbox")).send(OutgoingSMS("+59899123456", "x"))
    assert result.provider_message_id.startswith("sandbox-")
    assert not SandboxDelivery.objects.exists()


def test_the_api_creates_it_with_a_name_alone_and_the_page_test_sends_through_it(client, admin):
    from accounts.tokens import create_api_token

    _token, key = create_api_token(user=admin, name="tests")
    created = client.post(
        "/api/v1/providers/",
        {"name": "Try", "api_type": "Sandbox"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["channel"] == "sms"
    client.force_login(admin)
    html = client.post(
        f"/providers/{created.json()['id']}/test/",
        {"destination": "+59899111222", "message": "Hola"},
    ).content.decode()
    sent = OutboundMessage.objects.get()
    assert sent.provider_message_id.startswith("sandbox-")
    assert f"Sent: provider id {sent.provider_message_id}" in html
    assert SandboxDelivery.objects.get().text == "Hola"


def test_the_providers_page_form_saves_it_with_no_credentials(client, admin):
    client.force_login(admin)
    response = client.post(
        "/providers/",
        {
            "name": "Demo sandbox",
            "api_type": "Sandbox",
            "encoding": "auto",
            "connect_timeout": "5",
            "read_timeout": "15",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Provider.objects.get(name="Demo sandbox").api_type == "Sandbox"


def test_the_sweeper_hands_a_lost_report_task_over_once(private_redis, settings):
    from contactcenter.sweeper import sweep

    settings.SWEEP_AFTER_SECONDS = 0
    settings.SANDBOX_DELIVERED_AFTER = 0
    provider = sandbox_provider()
    # In a test transaction nothing is published after commit: the report task is "lost".
    adapter_for(provider).send(OutgoingSMS("+59899123456", "Hi", encoding="GSM7"))
    assert sweep()["sandbox"] == 1
    assert sweep()["sandbox"] == 0  # handed over a moment ago: its task may be waiting
