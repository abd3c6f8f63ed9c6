"""Deleting a campaign's unprocessed rows: the page stores the request and answers; the rows go
in the background, and with Redis away the request waits, stored, until the sweeper hands it
to a worker once Redis is back."""

from __future__ import annotations

import time

import pytest

from dialer.models import SpoolDeletion, SpoolRow
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign
from tests.conftest import CeleryWorker, wait_until
from tests.dialer.factories import spool

pytestmark = pytest.mark.django_db(transaction=True)


def test_delete_unprocessed_with_redis_away_is_stored_then_done(
    client, supervisor, private_redis, settings
):
    settings.SWEEP_AFTER_SECONDS = 0
    campaign = make_campaign(supervisor, name="campsms", did="")
    rows = spool(campaign, [("+59899000001", "a", 0), ("+59899000002", "b", 0)])
    SpoolRow.objects.filter(pk=rows[0].pk).update(state=S.SENT)
    client.force_login(supervisor)
    private_redis.stop()
    began = time.monotonic()
    response = client.post(f"/dialers/monitor/{campaign.pk}/delete-unprocessed/")
    assert response.status_code == 302  # was a 500: the view published the task itself
    assert time.monotonic() - began < 3.0
    deletion = SpoolDeletion.objects.get(campaign=campaign)
    assert deletion.finished_at is None and deletion.requested_by == supervisor
    # A second click while the first waits stores nothing more.
    assert client.post(f"/dialers/monitor/{campaign.pk}/delete-unprocessed/").status_code == 302
    assert SpoolDeletion.objects.count() == 1
    assert SpoolRow.objects.filter(campaign=campaign).count() == 2
    private_redis.start()
    worker = CeleryWorker(
        private_redis.url,
        f"deletion-{private_redis.socket_path.stem}",
        env={"SWEEP_AFTER_SECONDS": "0"},
    ).start()  # its start runs the sweeper
    try:
        assert wait_until(lambda: SpoolDeletion.objects.get(pk=deletion.pk).finished_at)
    finally:
        worker.stop()
    assert list(SpoolRow.objects.filter(campaign=campaign).values_list("pk", flat=True)) == [
        rows[0].pk
    ]
    assert SpoolDeletion.objects.get(pk=deletion.pk).deleted == 1
