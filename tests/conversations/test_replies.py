"""An agent's reply leaves through the provider the customer wrote to, on the wire format of
every provider family (the fake provider server), in the background; the provider's errors,
its retries and its circuit breaker show on the message, never on the interaction.

Tests that call ``send_queued`` themselves run on a Redis of their own (``private_redis``) with
no worker on it, so no worker sends the reply before them; the others start a real worker on it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.services import save_schedule
from contactcenter.publishing import publish
from contactcenter.service_errors import Conflict
from contactcenter.sweeper import sweep
from conversations.inbound import ROUTE_TASK
from conversations.models import Interaction, Message
from conversations.outbound import SEND_TASK, send_queued
from conversations.replies import reply, retry_message, whatsapp_window_closed
from conversations.routing import route_message
from conversations.states import Author, BotKind, Delivery, Direction, InteractionState
from providers.breaker import BREAKER_FAILURES, provider_resting
from providers.delivery import DeliveryStatus
from providers.retries import BACKOFF_SECONDS, MAX_ATTEMPTS
from tests.campaigns.factories import make_campaign
from tests.conftest import CeleryWorker, make_user, wait_until
from tests.conversations.factories import inbound, member
from tests.conversations.outbound_setup import (
    CUSTOMER,
    conversation,
    handed_over,
    provider_on,
    sends_of,
    values_of,
)
from tests.fakeprovider import Behaviour, Reply
from tests.providers.adapters.cases import CASES

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Hola Ana, ya lo revisamos"
# A fresh worker imports every provider SDK on its first send (~7 s on an idle machine, ~20 s
# at load 10 here), so the first wait on a worker is longer.
FIRST_SEND = 90


@pytest.fixture
def serve(monkeypatch):
    """Start the fake provider of a case (Vonage's serves TLS, trusted by this process)."""
    servers = []

    def start(case: str):
        server = CASES[case].server().start()
        servers.append(server)
        if server.ca_bundle:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def routing_worker(private_redis):
    """A real worker on the test's own Redis, consuming the routing queue only."""
    started: list[CeleryWorker] = []

    def start() -> CeleryWorker:
        name = f"replies-{private_redis.socket_path.stem}-{len(started)}"
        worker = CeleryWorker(private_redis.url, name, queues=("routing",)).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def a_try_ago(message: Message, seconds: float) -> None:
    """Move the last try of ``message`` ``seconds`` into the past (time passing)."""
    Message.objects.filter(pk=message.pk).update(
        status_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


# ----------------------------------------------------------------------------------- families
FAMILIES = ["URLSMS", "URLPOSTSMS", "Twilio", "Nexmo", "InfoBip", "DinstarWeb", "WhatsAppCloud",
            "TwilioWhatsApp"]  # fmt: skip


@pytest.mark.parametrize("case", FAMILIES)
def test_a_reply_leaves_through_the_provider_the_customer_wrote_to(
    case, serve, supervisor, private_redis
) -> None:
    server = serve(case)
    other = serve("URLSMS")
    provider_on(other, "URLSMS", name="Default one")  # the default provider is not the way out
    talk = conversation(supervisor, provider_on(server, case))
    server.reset()

    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert (message.delivery, message.author, message.agent_id) == (
        Delivery.QUEUED,
        Author.AGENT,
        talk.agent.pk,
    )
    sent = send_queued(message.pk)

    assert sent is not None and sent.delivery == Delivery.SENT, sent and sent.error
    assert sent.provider_message_id and sent.report_status == DeliveryStatus.ACCEPTED
    assert sends_of(server, TEXT) == 1 and len(handed_over(server)) == 1
    assert other.requests == []
    assert any("99123456" in v for v in _values(server)), "sent to the customer's number"
    assert send_queued(message.pk) is None  # a second task (a redelivery) sends nothing
    assert len(handed_over(server)) == 1
    talk.interaction.refresh_from_db()
    assert (talk.interaction.state, talk.interaction.agent_id) == (
        InteractionState.ASSIGNED,
        talk.agent.pk,
    )
    assert talk.interaction.first_reply_at is not None


def _values(server):
    return [v for r in server.requests for v in values_of(r)]


# ----------------------------------------------------------------------------------- WhatsApp
@pytest.mark.parametrize("case", ["WhatsAppCloud", "TwilioWhatsApp"])
def test_whatsapp_free_text_only_within_24_hours_of_the_customers_last_message(
    case, serve, supervisor, private_redis
) -> None:
    server = serve(case)
    talk = conversation(supervisor, provider_on(server, case))
    server.reset()
    last = timezone.now() - dt.timedelta(hours=23, minutes=50)
    Interaction.objects.filter(pk=talk.interaction.pk).update(last_customer_at=last)
    within = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Within the window")
    assert send_queued(within.pk).delivery == Delivery.SENT

    Interaction.objects.filter(pk=talk.interaction.pk).update(
        last_customer_at=timezone.now() - dt.timedelta(hours=24, minutes=1)
    )
    with pytest.raises(Conflict, match="24 hours"):
        reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Too late")
    assert not Message.objects.filter(text="Too late").exists()
    assert sends_of(server, "Within the window") == 1 and len(handed_over(server)) == 1

    # The customer writes again: the window opens again.
    again = inbound(talk.provider, CUSTOMER, "Still there?", did="1234")
    route_message(again.pk)
    talk.interaction.refresh_from_db()
    assert not whatsapp_window_closed(talk.interaction)


def test_sms_providers_have_no_window(serve, supervisor, private_redis) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    Interaction.objects.filter(pk=talk.interaction.pk).update(
        last_customer_at=timezone.now() - dt.timedelta(days=3)
    )
    talk.interaction.refresh_from_db()
    assert not whatsapp_window_closed(talk.interaction)
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Days later")
    assert send_queued(message.pk).delivery == Delivery.SENT


# ----------------------------------------------------------------------------------- errors
def test_a_permanent_error_fails_the_message_at_once_with_the_providers_error(
    serve, supervisor, private_redis
) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    server.then(Behaviour(reply=Reply(400, {"code": 21211, "message": "Invalid 'To' Phone Number",
                                           "more_info": "", "status": 400})))  # fmt: skip
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    failed = send_queued(message.pk)
    assert failed.delivery == Delivery.FAILED
    assert "Invalid 'To' Phone Number" in failed.error and "permanent" in failed.error
    assert failed.report_status == DeliveryStatus.REJECTED and failed.attempts == 1
    assert len(handed_over(server)) == 1
    talk.interaction.refresh_from_db()
    assert (talk.interaction.state, talk.interaction.agent_id) == ("assigned", talk.agent.pk)


def test_a_temporary_error_is_tried_again_after_the_backoff_then_fails_when_exhausted(
    serve, supervisor, private_redis
) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    throttled = Behaviour(reply=Reply(429, {"code": 20429, "message": "Too Many Requests",
                                            "more_info": "", "status": 429}))  # fmt: skip
    server.always(throttled)
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)

    first = send_queued(message.pk)
    assert first.delivery == Delivery.QUEUED and "Too Many Requests" in first.error
    assert first.attempts == 1
    assert send_queued(message.pk) is None, "not again before the backoff"
    assert len(handed_over(server)) == 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        a_try_ago(message, BACKOFF_SECONDS[min(attempt - 2, len(BACKOFF_SECONDS) - 1)] - 2)
        assert send_queued(message.pk) is None, f"try {attempt} is not due yet"
        a_try_ago(message, BACKOFF_SECONDS[min(attempt - 2, len(BACKOFF_SECONDS) - 1)])
        assert send_queued(message.pk) is not None
        assert len(handed_over(server)) == attempt
    last = fresh(message)
    assert last.delivery == Delivery.FAILED and last.attempts == MAX_ATTEMPTS
    assert f"retries exhausted ({MAX_ATTEMPTS})" in last.error and "Too Many" in last.error
    assert not provider_resting(talk.provider.pk), "throttling is an answer, not an outage"


def test_a_temporary_error_then_success_is_sent_once(serve, supervisor, private_redis) -> None:
    server = serve("InfoBip")
    talk = conversation(supervisor, provider_on(server, "InfoBip"))
    server.reset()
    server.then(Behaviour(reply=Reply(503, {"errorCode": "E500", "description": "Busy"})))
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert send_queued(message.pk).delivery == Delivery.QUEUED
    a_try_ago(message, BACKOFF_SECONDS[0])
    sent = send_queued(message.pk)
    assert sent.delivery == Delivery.SENT and sent.error == "" and sent.attempts == 2
    assert sends_of(server, TEXT) == 2 and len(handed_over(server)) == 2


def test_the_breaker_rests_a_provider_that_is_down_and_fails_waiting_replies(
    serve, supervisor, private_redis
) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    server.always(Behaviour(drop=True))
    replies = [
        reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=f"Reply {i}")
        for i in range(BREAKER_FAILURES)
    ]
    for message in replies[:-1]:
        assert send_queued(message.pk).delivery == Delivery.QUEUED  # waits for its next try
    last = send_queued(replies[-1].pk)
    assert provider_resting(talk.provider.pk)
    for message in replies:
        failed = fresh(message)
        assert failed.delivery == Delivery.FAILED, failed.error
        assert "connection failed" in failed.error
    assert len(handed_over(server)) == BREAKER_FAILURES
    assert last.report_status == DeliveryStatus.REJECTED

    resting = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="While resting")
    failed = send_queued(resting.pk)
    assert failed.delivery == Delivery.FAILED and "connection failed" in failed.error
    assert len(handed_over(server)) == BREAKER_FAILURES, "nothing handed to a resting provider"
    talk.interaction.refresh_from_db()
    assert (talk.interaction.state, talk.interaction.agent_id) == ("assigned", talk.agent.pk)


# ----------------------------------------------------------------------------------- retry
def test_retry_of_a_refused_message_sends_it_once_more_exactly_once(
    serve, supervisor, private_redis
) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    server.then(Behaviour(reply=Reply(400, {"code": 21606, "message": "From is not SMS-capable",
                                           "more_info": "", "status": 400})))  # fmt: skip
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert send_queued(message.pk).delivery == Delivery.FAILED

    again = retry_message(message_id=message.pk, user=talk.agent)
    assert (again.delivery, again.error, again.attempts) == (Delivery.QUEUED, "", 0)
    with pytest.raises(Conflict, match="failed"):
        retry_message(message_id=message.pk, user=talk.agent)  # a double click
    assert send_queued(message.pk).delivery == Delivery.SENT
    assert send_queued(message.pk) is None  # both retries' tasks: one send
    with pytest.raises(Conflict):
        retry_message(message_id=message.pk, user=talk.agent)
    assert sends_of(server, TEXT) == 2 and len(handed_over(server)) == 2


def test_retry_is_refused_for_messages_that_did_not_fail_or_are_inbound(
    serve, supervisor, private_redis
) -> None:
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    with pytest.raises(Conflict):
        retry_message(message_id=message.pk, user=talk.agent)
    customer = Message.objects.get(direction=Direction.IN)
    with pytest.raises(Conflict):
        retry_message(message_id=customer.pk, user=talk.agent)


# ----------------------------------------------------------------------------------- a worker
def test_a_reply_is_sent_by_the_routing_worker_and_a_redelivered_task_sends_nothing(
    serve, supervisor, private_redis, routing_worker
) -> None:
    server = serve("URLPOSTSMS")
    talk = conversation(supervisor, provider_on(server, "URLPOSTSMS"))
    server.reset()
    routing_worker()
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert wait_until(lambda: fresh(message).delivery == Delivery.SENT, FIRST_SEND)
    publish(SEND_TASK, message.pk)  # a duplicate task (a redelivery, a sweep)
    publish(SEND_TASK, message.pk)
    marker = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="After them")
    assert wait_until(lambda: fresh(marker).delivery == Delivery.SENT)
    assert sends_of(server, TEXT) == 1


def test_provider_down_while_the_agent_replies(
    serve, supervisor, private_redis, routing_worker
) -> None:
    """The messages show failed with the provider's error, the interaction stays with the
    agent, and replies in another interaction through another provider are not held up."""
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    healthy = serve("URLSMS")
    other_customer_provider = provider_on(healthy, "URLSMS", name="Backup gateway")
    other = make_campaign(supervisor, name="Support", provider=other_customer_provider, did="77")
    member(other, talk.agent)
    elsewhere = inbound(other_customer_provider, "099555444", "Hi", did="77")
    route_message(elsewhere.pk)
    elsewhere.refresh_from_db()
    server.reset()
    server.always(Behaviour(drop=True))
    routing_worker()

    down = [
        reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=f"Down {i}")
        for i in range(BREAKER_FAILURES)
    ]
    fine = reply(interaction_id=elsewhere.interaction_id, agent=talk.agent, text="Fine")
    assert wait_until(lambda: fresh(fine).delivery == Delivery.SENT, FIRST_SEND)
    assert wait_until(
        lambda: all(fresh(m).delivery == Delivery.FAILED for m in down), FIRST_SEND
    ), [(fresh(m).delivery, fresh(m).error) for m in down]
    for message in down:
        assert "connection failed" in fresh(message).error
    talk.interaction.refresh_from_db()
    assert (talk.interaction.state, talk.interaction.agent_id) == ("assigned", talk.agent.pk)
    assert len(handed_over(server)) == BREAKER_FAILURES


def test_retry_through_a_worker_sends_once_more_exactly_once(
    serve, supervisor, private_redis, routing_worker
) -> None:
    server = serve("URLSMS")
    talk = conversation(supervisor, provider_on(server, "URLSMS"))
    server.reset()
    server.then(Behaviour(reply=Reply(403, "ERR 17 destination barred")))
    routing_worker()
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert wait_until(lambda: fresh(message).delivery == Delivery.FAILED, FIRST_SEND)
    assert "destination barred" in fresh(message).error
    retry_message(message_id=message.pk, user=talk.agent)
    with pytest.raises(Conflict):
        retry_message(message_id=message.pk, user=talk.agent)
    assert wait_until(lambda: fresh(message).delivery == Delivery.SENT)
    marker = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="After the retry")
    assert wait_until(lambda: fresh(marker).delivery == Delivery.SENT)
    assert sends_of(server, TEXT) == 2


def test_the_out_of_time_reply_is_sent_once(serve, supervisor, private_redis, routing_worker):
    server = serve("Twilio")
    provider = provider_on(server, "Twilio")
    never = save_schedule(schedule=None, name="Never", time_zone="UTC",
                          security_group=supervisor.security_groups.first(), rules=[],
                          holidays=[])  # fmt: skip
    campaign = make_campaign(supervisor, provider=provider, out_of_time_message="We open at 9.")
    campaign.schedules.set([never])
    member(campaign, make_user("ana", "agent", [supervisor.security_groups.first()]))
    server.reset()
    routing_worker()
    first = inbound(provider, CUSTOMER, "Anyone?")
    publish(ROUTE_TASK, [first.pk])
    bot = Message.objects.filter(direction=Direction.OUT, bot_kind=BotKind.OUT_OF_TIME)
    assert wait_until(lambda: bot.filter(delivery=Delivery.SENT).exists(), FIRST_SEND)
    second = inbound(provider, CUSTOMER, "Hello??")
    publish(ROUTE_TASK, [second.pk])
    assert wait_until(lambda: Message.objects.get(pk=second.pk).interaction_id is not None)
    assert bot.count() == 1
    assert sends_of(server, "We open at 9.") == 1 and len(handed_over(server)) == 1
    interaction = Interaction.objects.get()
    assert interaction.state == InteractionState.QUEUED


def test_a_reply_whose_task_was_lost_is_sent_once_when_redis_is_back(
    serve, supervisor, private_redis, settings
) -> None:
    """Redis away while the agent replies: the reply is stored and answered as queued; the
    worker that starts once Redis is back runs the sweeper, which sends it, once."""
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    settings.SWEEP_AFTER_SECONDS = 0
    private_redis.stop()
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    assert fresh(message).delivery == Delivery.QUEUED
    private_redis.start()
    worker = CeleryWorker(private_redis.url, f"after-outage-{private_redis.socket_path.stem}",
                          env={"SWEEP_AFTER_SECONDS": "0"}).start()  # fmt: skip
    try:
        assert wait_until(lambda: fresh(message).delivery == Delivery.SENT, FIRST_SEND)
        assert sweep(full=True) is not None  # another run: nothing sent twice
        marker = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text="Later")
        assert wait_until(lambda: fresh(marker).delivery == Delivery.SENT)
    finally:
        worker.stop()
    assert sends_of(server, TEXT) == 1


def test_a_send_while_redis_is_away_is_recorded_all_the_same(
    serve, supervisor, private_redis
) -> None:
    """The breaker lives in Redis; without it a send is tried and its outcome recorded, never
    left ``sending`` (which would later read as a send of unknown fate)."""
    server = serve("Twilio")
    talk = conversation(supervisor, provider_on(server, "Twilio"))
    server.reset()
    message = reply(interaction_id=talk.interaction.pk, agent=talk.agent, text=TEXT)
    private_redis.stop()
    try:
        assert send_queued(message.pk).delivery == Delivery.SENT
    finally:
        private_redis.start()
    assert sends_of(server, TEXT) == 1
