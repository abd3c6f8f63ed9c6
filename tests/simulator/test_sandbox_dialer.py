"""The dialer and SendSMS through a Sandbox provider: rows are sent (nothing on the wire), each
is recorded under its own id, and the sandbox's reports reach the spool rows as a real
provider's would."""

from __future__ import annotations

import pytest

from dialer.models import SpoolRow
from dialer.sendsms_service import queue_sendsms
from dialer.states import SpoolState
from providers.delivery import DeliveryStatus
from simulator.deliveries import report_next
from simulator.models import SandboxDelivery
from tests.conftest import wait_until
from tests.dialer.factories import dialer_for, send_due, spool
from tests.simulator.helpers import sandbox_provider

pytestmark = pytest.mark.django_db(transaction=True)


def test_dialer_and_sendsms_rows_are_sent_recorded_and_delivered(supervisor):
    dialer = dialer_for(supervisor, sandbox_provider())
    spool(dialer.campaign, [("+59899000001", "Promo one", 5), ("+59899000002", "Promo two", 5)])
    queue_sendsms(
        user=supervisor,
        destination="+59899000003",
        message="Your code is 1234",
        campaign=dialer.campaign.name,
        agent="",
        api="",
    )
    assert send_due(dialer) == 3
    rows = list(SpoolRow.objects.order_by("destination"))
    assert [r.state for r in rows] == [SpoolState.SENT] * 3
    recorded = {d.provider_message_id: (d.number, d.text) for d in SandboxDelivery.objects.all()}
    assert {r.provider_message_id: (r.destination, r.message) for r in rows} == recorded
    for delivery in SandboxDelivery.objects.all():
        report_next(delivery.pk)
        report_next(delivery.pk)
    # A report may arrive before the sent row's provider id is recorded (the dialer records
    # sent rows after the send): it is kept and applied then, so wait for it, bounded.
    assert wait_until(
        lambda: set(SpoolRow.objects.values_list("delivery_status", flat=True))
        == {DeliveryStatus.DELIVERED},
        seconds=20,
    ), set(SpoolRow.objects.values_list("delivery_status", flat=True))
