"""Fetching by a key from a URL or a query string: anything no row can have is a 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from campaigns.models import Campaign
from contactcenter.lookups import one_or_404

PAST_BIGINT = "99999999999999999999"  # matches <int:pk>; PostgreSQL and SQLite refuse it


@pytest.mark.parametrize(
    "path",
    [
        f"/campaigns/{PAST_BIGINT}/",
        f"/campaigns/schedules/{PAST_BIGINT}/",
        f"/dialers/{PAST_BIGINT}/",
        f"/dialers/monitor/{PAST_BIGINT}/status.json",
    ],
)
def test_a_key_past_the_columns_range_is_a_404(client, supervisor, path):
    client.force_login(supervisor)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("pk", ["abc", "1e23", "-1", "0", None, PAST_BIGINT, "2.5"])
def test_one_or_404_refuses_what_cannot_be_a_key(db, pk):
    with pytest.raises(Http404, match="No such campaign"):
        one_or_404(Campaign.objects.all(), pk, "No such campaign.")
