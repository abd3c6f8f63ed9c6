"""Delivery reports reach the message whatever sent it, also when they arrive before the
provider's id is recorded; ids of different paths never collide (Dinstar names messages by our
numbers); a message the provider accepted, or may have accepted, is never sent again.

Reports come as the fake provider posts them: over real HTTP to the portal's webhook URL (a live
server). Sends are made by this process (``send_queued``) on a Redis of the test's own with no
worker on it, except where a worker is killed mid-send."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from contactcenter.service_errors import Conflict
from conversations.models import Interaction, Message
from conversations.outbound import FATE_UNKNOWN, fail_stuck_sends, send_queued
from conversations.replies import reply, retry_message
from conversations.states import Delivery
from dialer.models import SpoolRow
from providers.configuration import webhook_url
from providers.delivery import DeliveryStatus
from providers.models import DeliveryReport, OutboundMessage
from providers.reports import CONVERSATION, SPOOL, TEST, message_number
from providers.services import send_message
from tests.conftest import CeleryWorker, wait_until
from tests.conversations.outbound_setup import conversation, handed_over, provider_on
from tests.dialer.factories import dialer_for, send_due, spool
from tests.fakeprovider import Behaviour
from tests.providers.adapters.cases import CASES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dinstar():
    with CASES["DinstarWeb"].server() as server:
        yield server, server.dialects[0]


@pytest.fixture
def twilio():
    with CASES["Twilio"].server() as server:
        yield server, server.dialects[0]


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def test_reports_move_a_reply_forward_only(twilio, supervisor, live_url, private_redis) -> None:
    server, dialect = twilio
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    status_url = webhook_url(talk.provider, "status", live_url)
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="On its way")
    sid = send_queued(message.pk).provider_message_id
    assert dialect.status(status_url, sid, "sent").deliver()[0] == 200
    assert fresh(message).report_status == DeliveryStatus.SENT
    assert dialect.status(status_url, sid, "delivered").deliver()[0] == 200
    assert dialect.status(status_url, sid, "sent").deliver()[0] == 200  # late, out of order
    delivered = fresh(message)
    assert (delivered.delivery, delivered.report_status) == (
        Delivery.DELIVERED,
        DeliveryStatus.DELIVERED,
    )
    assert delivered.seq > message.seq  # each change is an event a screen can catch up on


def test_a_report_that_arrives_before_the_id_is_recorded_is_applied_when_it_is(
    dinstar, supervisor, live_url, private_redis
) -> None:
    """Dinstar names a message by our number, known before the send: its report can overtake
    the worker that records the send."""
    server, dialect = dinstar
    talk = conversation(supervisor, provider_on(server, "DinstarWeb"))
    status_url = webhook_url(talk.provider, "status", live_url)
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Early bird")
    number = message_number(message.pk, kind=CONVERSATION)
    assert dialect.status(status_url, number, "DELIVERED").deliver()[0] == 200
    assert DeliveryReport.objects.filter(provider_message_id=str(number)).exists()
    assert fresh(message).delivery == Delivery.QUEUED  # kept, nothing to apply it to yet

    sent = send_queued(message.pk)
    assert sent.provider_message_id == str(number)
    assert (sent.delivery, sent.report_status) == (Delivery.DELIVERED, DeliveryStatus.DELIVERED)


def test_a_failed_report_fails_the_reply_and_its_retry_is_refused(
    twilio, supervisor, live_url, private_redis
) -> None:
    server, dialect = twilio
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    status_url = webhook_url(talk.provider, "status", live_url)
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Lost on the way")
    sid = send_queued(message.pk).provider_message_id
    assert dialect.status(status_url, sid, "undelivered", error_code="30003").deliver()[0] == 200
    failed = fresh(message)
    assert (failed.delivery, failed.report_status) == (Delivery.FAILED, DeliveryStatus.UNDELIVERED)
    with pytest.raises(Conflict, match="accepted"):
        retry_message(message_id=message.pk, user=talk.agent)
    assert fresh(message).delivery == Delivery.FAILED
    assert len(handed_over(server)) == 1
    talk.interaction.refresh_from_db()
    assert talk.interaction.agent_id == talk.agent.pk


def _next_ids_from(number: int, *models) -> None:
    """The next primary key of each of ``models`` is ``number`` (PostgreSQL sequences)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                [model._meta.db_table, number],
            )


def test_a_spool_row_a_test_send_and_a_reply_with_the_same_pk_keep_their_own_reports(
    dinstar, supervisor, live_url, private_redis
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("sets PostgreSQL sequences")
    server, dialect = dinstar
    provider = provider_on(server, "DinstarWeb")
    talk = conversation(supervisor, provider, name="Support")
    dialer = dialer_for(supervisor, provider)
    status_url = webhook_url(provider, "status", live_url)
    tables = (SpoolRow, OutboundMessage, Message)
    pk = max(m.objects.aggregate(top=Max("id"))["top"] or 0 for m in tables) + 1000
    _next_ids_from(pk, *tables)
    server.reset()

    (row,) = spool(dialer.campaign, [("099111222", "From the dialer", 5)])
    assert send_due(dialer) == 1
    test = send_message(provider=provider, destination="099333444", text="A provider test")
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="A reply")
    assert send_queued(message.pk).delivery == Delivery.SENT
    assert row.pk == test.pk == message.pk == pk

    user_ids = [r.json()["param"][0]["user_id"] for r in handed_over(server)]
    assert sorted(user_ids) == sorted(
        [message_number(pk, kind=SPOOL), message_number(pk, kind=TEST),
         message_number(pk, kind=CONVERSATION)]
    )  # fmt: skip
    for number, status in [(message_number(pk, kind=SPOOL), "DELIVERED"),
                           (message_number(pk, kind=TEST), "FAILED"),
                           (message_number(pk, kind=CONVERSATION), "SENT_OK")]:  # fmt: skip
        assert dialect.status(status_url, number, status).deliver()[0] == 200

    assert SpoolRow.objects.get(pk=pk).delivery_status == DeliveryStatus.DELIVERED
    assert OutboundMessage.objects.get(pk=pk).delivery_status == DeliveryStatus.FAILED
    reply_now = fresh(message)
    assert (reply_now.delivery, reply_now.report_status) == (Delivery.SENT, DeliveryStatus.SENT)


def test_a_send_whose_worker_died_is_never_sent_again(twilio, supervisor, private_redis) -> None:
    """The worker is killed while the provider has the message: it stays ``sending``; after the
    provider's timeouts the sweeper fails it as of unknown fate, and a retry is refused."""
    server, _ = twilio
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    server.always(Behaviour(delay=30))
    worker = CeleryWorker(private_redis.url, f"doomed-{private_redis.socket_path.stem}",
                          queues=("routing",)).start()  # fmt: skip
    try:
        message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Mid-air")
        assert wait_until(lambda: len(server.requests) == 1, 90)
        worker.kill()
    finally:
        worker.stop()
    assert fresh(message).delivery == Delivery.SENDING
    assert fail_stuck_sends() == 0, "not before the provider's timeouts have passed"

    provider = talk.provider
    waited = provider.connect_timeout + provider.read_timeout + 61
    Message.objects.filter(pk=message.pk).update(
        status_at=timezone.now() - dt.timedelta(seconds=waited)
    )
    assert fail_stuck_sends() == 1
    stuck = fresh(message)
    assert stuck.delivery == Delivery.FAILED and FATE_UNKNOWN in stuck.error
    assert stuck.report_status == DeliveryStatus.UNKNOWN
    with pytest.raises(Conflict, match="Nobody knows"):
        retry_message(message_id=message.pk, user=talk.agent)
    assert send_queued(message.pk) is None
    assert len(server.requests) == 1
    assert Interaction.objects.get(pk=talk.interaction.pk).agent_id == talk.agent.pk
