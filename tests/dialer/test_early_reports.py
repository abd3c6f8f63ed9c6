"""Delivery reports that arrive before the dialer's write-back records a row's provider id are
kept and applied by the write-back (the mechanism single messages use); Dinstar's numeric ids
never collide between a single message and a spool row."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from dialer.claims import claim_batch, finish
from dialer.journal import Outcome
from dialer.models import SpoolRow
from dialer.states import SpoolState as S
from providers.configuration import webhook_url
from providers.delivery import DeliveryStatus
from providers.models import DeliveryReport, OutboundMessage
from providers.services import save_provider, send_message
from tests.dialer.factories import dialer_for, gateway, send_due, spool
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import DinstarDialect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dialer(fake_provider, supervisor):
    return dialer_for(supervisor, gateway(fake_provider.url))


def report(provider, message_id: str, status: str) -> None:
    """A delivery report posted to the provider's status webhook (generic URL API format)."""
    url = webhook_url(provider, "status", "http://testserver")
    body = urlencode({"id": message_id, "status": status})
    answer = Client().post(url, body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, answer.content


def delivery(row: SpoolRow) -> str:
    row.refresh_from_db()
    return row.delivery_status


def test_report_before_the_write_back_is_applied_by_it(dialer):
    first, second, third = spool(dialer.campaign, [(f"+5989900000{i}", "hi", 0) for i in range(3)])
    claimed = claim_batch(dialer.campaign_id, "batch-1", 10)
    report(dialer.provider, "ext-1", "sent")
    report(dialer.provider, "ext-1", "delivered")
    report(dialer.provider, "ext-1", "sent")  # late intermediate: does not undo delivered
    report(dialer.provider, "ext-2", "failed")
    assert DeliveryReport.objects.count() == 4
    assert delivery(first) == DeliveryStatus.UNKNOWN  # nothing to apply it to yet
    outcomes = {
        first.id: Outcome(S.SENT, provider_message_id="ext-1", attempts=1),
        second.id: Outcome(S.SENT, provider_message_id="ext-2", attempts=1),
        third.id: Outcome(S.SENT, provider_message_id="ext-3", attempts=1),
    }
    assert finish(dialer.campaign_id, "batch-1", claimed, outcomes) == 3
    assert delivery(first) == DeliveryStatus.DELIVERED
    assert delivery(second) == DeliveryStatus.FAILED
    assert delivery(third) == DeliveryStatus.UNKNOWN  # no report yet: stays as it was
    report(dialer.provider, "ext-3", "delivered")  # after the write-back: the usual path
    assert delivery(third) == DeliveryStatus.DELIVERED


def test_reports_of_another_provider_are_not_applied(dialer, fake_provider):
    (row,) = spool(dialer.campaign, [("+59899000001", "hi", 0)])
    other = gateway(fake_provider.url, name="Other gateway")
    report(other, "ext-9", "delivered")
    claimed = claim_batch(dialer.campaign_id, "batch-2", 10)
    finish(dialer.campaign_id, "batch-2", claimed, {row.id: Outcome(S.SENT, "ext-9", attempts=1)})
    assert delivery(row) == DeliveryStatus.UNKNOWN


def test_report_before_the_sending_loop_writes_back(dialer):
    """The whole loop: the fake gateway answers ids msg-1, msg-2...; the report for msg-1 is
    in before the row is even sent."""
    (row,) = spool(dialer.campaign, [("+59899000001", "hi", 0)])
    report(dialer.provider, "msg-1", "delivered")
    assert send_due(dialer) == 1
    row.refresh_from_db()
    assert (row.state, row.provider_message_id) == (S.SENT, "msg-1")
    assert row.delivery_status == DeliveryStatus.DELIVERED


# ----------------------------------------------------------------------------------- Dinstar
def test_dinstar_ids_differ_between_a_single_message_and_a_spool_row(supervisor):
    dialect = DinstarDialect("admin", "gw-pass")
    with FakeProviderServer([dialect]) as server:
        provider = save_provider(provider=None, values={
            "name": "Gateway", "api_type": "DinstarWeb", "endpoint": server.url,
            "username": "admin", "ports": "0-3"},
            secrets={"password": "gw-pass"})  # fmt: skip
        dialer = dialer_for(supervisor, provider, dial_string="0-3")
        message = send_message(provider=provider, destination="099111222", text="test send")
        # A spool row with the same primary key as the single message.
        (template,) = spool(dialer.campaign, [("099111333", "bulk", 0)])
        SpoolRow.objects.filter(pk=template.pk).update(id=message.pk)
        assert send_due(dialer) == 1
        row = SpoolRow.objects.get(pk=message.pk)
        assert message.provider_message_id != row.provider_message_id
        sent_ids = [r.json()["param"][0]["user_id"] for r in server.requests
                    if r.header("Authorization")]  # digest: the first try of each is a 401  # fmt: skip
        assert [str(i) for i in sent_ids] == [message.provider_message_id, row.provider_message_id]

        status_url = webhook_url(provider, "status", "http://testserver")
        for user_id, status in ((int(row.provider_message_id), "DELIVERED"),
                                (int(message.provider_message_id), "FAILED")):  # fmt: skip
            body = dialect.status(status_url, user_id, status).body
            answer = Client().generic("POST", status_url, body, content_type="application/json")
            assert answer.status_code == 200
        message.refresh_from_db()
        assert message.delivery_status == DeliveryStatus.FAILED
        assert delivery(row) == DeliveryStatus.DELIVERED
        assert OutboundMessage.objects.count() == 1
