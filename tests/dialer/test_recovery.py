"""Recovery finds the abandoned batches with one DISTINCT over the claim tokens alone: the
spool's Meta.ordering must not join it (it would make the DISTINCT one row per spool row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dialer.models import SpoolRow
from dialer.recovery import recover_abandoned_batches
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import spool

pytestmark = pytest.mark.django_db


def test_the_distinct_over_claims_has_no_ordering_columns(supervisor):
    campaign = make_campaign(supervisor, name="campsms", did="")
    rows = spool(campaign, [(f"+5989900000{i}", "hi", i) for i in range(4)])
    SpoolRow.objects.filter(pk__in=[r.pk for r in rows]).update(state=S.SENDING, claim="dead")
    with CaptureQueriesContext(connection) as queries:
        assert recover_abandoned_batches() == 1  # one batch, its worker's heartbeat is gone
    (distinct,) = [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    select = distinct.split(" FROM ")[0]
    assert "claim" in select and "priority" not in select and "position" not in select
    assert "ORDER BY" not in distinct
    assert SpoolRow.objects.filter(fate_unknown=True).count() == 4  # its journal was lost
