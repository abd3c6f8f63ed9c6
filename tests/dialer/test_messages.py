"""Sent spool rows become messages of interactions (SPEC §3a): recorded in bulk after the batch,
each in the row's campaign through the dialer's provider, with its delivery reports, early or
late; a SendSMS message keeps its agent; a customer's open conversation shows the dialer's
message; the sweeper records rows whose task was lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from accounts.tokens import create_api_token
from agents.services import agent_state
from campaigns.services import add_members
from contactcenter.sweeper import resume_sent_rows
from conversations.models import Interaction, Message
from conversations.routing import route_message
from conversations.states import (
    Author,
    BotKind,
    CloseReason,
    Delivery,
    Direction,
    InteractionState,
    Origin,
)
from dialer.messages import campaigns_to_record, record_sent_rows
from dialer.models import Dialer, DncrEntry, SpoolRow
from dialer.states import SpoolState as S
from providers.configuration import webhook_url
from providers.delivery import DeliveryStatus
from providers.models import DeliveryReport
from tests.conftest import wait_until
from tests.conversations.factories import inbound, member
from tests.dialer.factories import dialer_for, gateway, send_due, spool
from tests.fakeprovider import FakeProviderServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def dialer(supervisor, server):
    return dialer_for(supervisor, gateway(server.url))


def status_webhook(provider, message_id: str, status: str) -> int:
    """The provider's delivery report, posted to the portal's status webhook."""
    url = webhook_url(provider, "status", "http://testserver")
    response = Client().get(url, {"id": message_id, "status": status})
    assert response.status_code == 200, response.content
    return response.status_code


def record(dialer) -> None:
    """Record the dialer's sent rows. The suite's worker (when one runs) may be recording them
    too, from the task the batch published: wait until every sent row is a message."""
    record_sent_rows(campaign_id=dialer.campaign_id)
    assert wait_until(lambda: not unrecorded_rows(dialer).exists(), 10)


def unrecorded_rows(dialer):
    return SpoolRow.objects.filter(
        campaign=dialer.campaign, state=S.SENT, conversation_message=None
    )


def test_sent_rows_become_closed_bot_interactions_once(dialer):
    DncrEntry.objects.create(number="+59899000003")
    spool(dialer.campaign, [("099000001", "Your appointment is tomorrow", 0),
                            ("+59899000002", "Your appointment is today", 0),
                            ("099000003", "blocked", 0)])  # fmt: skip
    assert send_due(dialer) == 3
    record(dialer)
    assert record_sent_rows(campaign_id=dialer.campaign_id) == 0  # each row once
    assert Message.objects.count() == 2 == Interaction.objects.count()
    for row in SpoolRow.objects.filter(state=S.SENT):
        message = row.conversation_message
        assert (message.direction, message.author, message.bot_kind, message.agent) == (
            Direction.OUT,
            Author.BOT,
            BotKind.DIALER,
            None,
        )
        assert (message.provider, message.provider_message_id, message.text) == (
            dialer.provider,
            row.provider_message_id,
            row.message,
        )
        assert (message.delivery, message.segments, message.sent_at) == (
            Delivery.SENT,
            1,
            row.sent_at,
        )
        interaction = message.interaction
        assert (interaction.campaign, interaction.provider, interaction.number) == (
            dialer.campaign,
            dialer.provider,
            row.number,
        )
        assert (interaction.state, interaction.close_reason, interaction.origin) == (
            InteractionState.CLOSED,
            CloseReason.OUTBOUND,
            Origin.DIALER,
        )
        assert interaction.agent is None and message.seq == interaction.seq == 1
    assert sorted(Message.objects.values_list("number", flat=True)) == [
        "+59899000001",
        "+59899000002",
    ]
    blocked = SpoolRow.objects.get(state=S.BLOCKED)
    assert blocked.conversation_message is None  # never sent: no message
    assert campaigns_to_record(blocked.updated_at) == []


def test_a_dialer_message_joins_the_customers_open_conversation(dialer, agent):
    dialer.campaign.did = "1234"
    dialer.campaign.save()
    member(dialer.campaign, agent)
    route_message(inbound(dialer.provider, "099000001", "hello?", did="1234").pk)
    talking = Interaction.objects.get()
    assert (talking.state, talking.agent) == (InteractionState.ASSIGNED, agent)
    spool(dialer.campaign, [("099000001", "Your order shipped", 0), ("099000002", "Promo", 0)])
    send_due(dialer)
    record(dialer)
    talking.refresh_from_db()
    texts = list(talking.messages.order_by("id").values_list("author", "text", "seq"))
    assert [(author, text) for author, text, _seq in texts] == [
        (Author.CUSTOMER, "hello?"),
        (Author.BOT, "Your order shipped"),
    ]
    assert texts[1][2] == talking.seq > texts[0][2]  # the newest change, for catching up
    assert (talking.state, talking.agent) == (InteractionState.ASSIGNED, agent)  # still theirs
    other = Interaction.objects.get(number="+59899000002")
    assert other.state == InteractionState.CLOSED


def test_a_sendsms_message_keeps_its_agent_without_loading_them(client, supervisor, agent, dialer):
    add_members(user=supervisor, campaigns=[dialer.campaign], agents=[agent])
    token = create_api_token(user=supervisor, name="crm")[1]
    response = client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "099123456", "message": "Your code is 1234",
         "campaign": dialer.campaign.name, "agent": agent.username},
        HTTP_AUTHORIZATION=f"Token {token}",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    send_due(dialer)
    record(dialer)
    message = Message.objects.get()
    assert (message.author, message.bot_kind, message.agent) == (Author.BOT, "sendsms", agent)
    interaction = message.interaction
    assert (interaction.state, interaction.origin, interaction.agent) == (
        InteractionState.CLOSED,
        Origin.SENDSMS,
        agent,
    )
    assert agent_state(agent) == "disconnected"  # nothing assigned, nobody asked to act


def test_reports_before_the_message_and_after_it(dialer):
    spool(dialer.campaign, [(f"09900000{i}", "x", 0) for i in range(1, 3)])
    send_due(dialer)
    between, late = SpoolRow.objects.filter(state=S.SENT).order_by("position")
    provider = dialer.provider
    # Reported after the write-back, before the message was written: kept, applied on writing.
    assert status_webhook(provider, between.provider_message_id, "undelivered") == 200
    record_sent_rows(campaign_id=dialer.campaign_id)
    # Reported after the message was written: conversations' receiver follows it.
    assert status_webhook(provider, late.provider_message_id, "delivered") == 200
    shown = {
        row.pk: (row.conversation_message.delivery, row.conversation_message.report_status)
        for row in SpoolRow.objects.filter(state=S.SENT)
    }
    assert shown == {
        between.pk: (Delivery.FAILED, DeliveryStatus.UNDELIVERED),
        late.pk: (Delivery.DELIVERED, DeliveryStatus.DELIVERED),
    }
    # A late intermediate report never undoes a final one, on the message as on the row.
    assert status_webhook(provider, late.provider_message_id, "sent") == 200
    assert Message.objects.get(provider_message_id=late.provider_message_id).delivery == "delivered"


def test_a_report_stored_while_recording_is_caught_up(dialer):
    """A report committed after the recorder read the reports, before its messages existed (its
    own receiver found nothing to update): the recorder applies it after commit. The race is
    made real: the customer's open conversation is locked (by another connection) while the
    recorder waits for it, and the report commits with that lock's release."""
    dialer.campaign.did = "1234"
    dialer.campaign.save()
    route_message(inbound(dialer.provider, "099000001", "hello?", did="1234").pk)
    talking = Interaction.objects.get()
    locked, report_now = threading.Event(), threading.Event()

    def hold_the_conversation_then_report() -> None:
        try:
            with transaction.atomic():
                Interaction.objects.select_for_update().get(pk=talking.pk)
                locked.set()
                report_now.wait(30)
                DeliveryReport.objects.create(
                    provider=dialer.provider,
                    provider_message_id=SpoolRow.objects.get().provider_message_id,
                    status=DeliveryStatus.DELIVERED,
                )
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_conversation_then_report)
    holder.start()
    assert locked.wait(10)
    spool(dialer.campaign, [("099000001", "x", 0)])
    send_due(dialer)  # also publishes the recording task: the suite's worker may be the recorder
    recorder = threading.Thread(target=record_in_thread, args=(dialer.campaign_id,))
    recorder.start()
    assert wait_until(lambda: waiting_for_a_lock() >= 1, 10)  # a recorder read the reports
    report_now.set()
    holder.join()
    recorder.join()
    assert wait_until(lambda: not unrecorded_rows(dialer).exists(), 10)
    message = Message.objects.get(direction=Direction.OUT)
    assert message.interaction == talking

    def caught_up() -> bool:
        message.refresh_from_db()
        return (message.delivery, message.report_status) == (Delivery.DELIVERED, "delivered")

    # When the suite's worker was the recorder, its catch-up runs just after its commit (the row
    # reads recorded a moment before the report is applied).
    assert wait_until(caught_up, 10), (message.delivery, message.report_status)


def record_in_thread(campaign_id: int) -> None:
    try:
        record_sent_rows(campaign_id=campaign_id)
    finally:
        connection.close()


def waiting_for_a_lock() -> int:
    """Sessions of this database waiting for a lock (other databases share the server)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_recorders_at_once_record_each_row_once(dialer):
    spool(dialer.campaign, [(f"+5989900{i:04d}", "x", 0) for i in range(600)])
    send_due(dialer)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def record() -> None:
        barrier.wait()
        try:
            counts.append(record_sent_rows(campaign_id=dialer.campaign_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait_until(lambda: not unrecorded_rows(dialer).exists(), 10)  # (and the suite's worker)
    assert sum(counts) <= 600
    assert Message.objects.count() == 600 == Interaction.objects.count()
    linked = SpoolRow.objects.values_list("conversation_message", flat=True)
    assert len(set(linked)) == 600


def test_the_sweeper_records_rows_sent_before_or_whose_task_was_lost(dialer, settings):
    """Rows sent with no recording task (sent before spool rows became messages, or the publish
    was lost): the sweeper hands their campaign to the task, once until it has had time to run."""
    settings.SWEEP_AFTER_SECONDS = 0
    spool(dialer.campaign, [("099000001", "x", 0), ("099000002", "y", 0)])
    SpoolRow.objects.update(state=S.SENT, sent_at=timezone.now(), segments=1)
    # One had its report before its id was recorded: the write-back kept it on the row.
    SpoolRow.objects.filter(destination="099000002").update(delivery_status="delivered")
    assert campaigns_to_record(timezone.now()) == [dialer.campaign_id]
    assert resume_sent_rows() == 1
    assert resume_sent_rows() == 0  # handed over a moment ago: the task may be waiting
    record(dialer)  # what the task does
    assert campaigns_to_record(timezone.now()) == []
    assert Message.objects.filter(bot_kind=BotKind.DIALER).count() == 2
    shown = dict(Message.objects.values_list("number", "delivery"))
    assert shown == {"+59899000001": Delivery.SENT, "+59899000002": Delivery.DELIVERED}


def test_a_real_worker_records_what_its_batches_sent(dialer, server, celery_worker):
    """The production path: batch tasks send on the dialer queue, each write-back publishes the
    recording task (default queue), a worker records every sent row."""
    from dialer.tasks import start_batches

    spool(dialer.campaign, [(f"+5989900{i:04d}", f"Message {i}", 0) for i in range(300)])
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    assert start_batches() >= 1
    assert wait_until(lambda: not SpoolRow.objects.exclude(state=S.SENT).exists(), 60)
    assert wait_until(
        lambda: not SpoolRow.objects.filter(state=S.SENT, conversation_message=None).exists(), 30
    )
    assert Message.objects.filter(bot_kind=BotKind.DIALER).count() == 300
    assert len(server.requests) == 300  # recording sends nothing
    assert set(Message.objects.values_list("text", flat=True)) == {
        f"Message {i}" for i in range(300)
    }
