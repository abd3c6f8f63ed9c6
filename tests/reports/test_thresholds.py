"""A campaign's new service-level threshold applies to its whole history: saving it publishes a
rebuild of its rollups, which a real Celery worker runs."""

from __future__ import annotations

import datetime as dt

from campaigns.services import save_campaign
from reports.filters import parse_filters
from reports.selectors import interactions_report
from tests.conftest import wait_until
from tests.reports.world import D, build


def service_level(user) -> float:
    params = {"start": D.isoformat(), "end": (D + dt.timedelta(days=1)).isoformat()}
    return interactions_report(parse_filters(user, params)).totals["service_level"]


def test_new_threshold_recounts_the_history(
    transactional_db, celery_worker, supervisor, other_supervisor, group, other_group
):
    world = build(supervisor, other_supervisor, group, other_group)
    assert service_level(supervisor) == 33.3  # i1 (30 s) and i5 (40 s) within 60 s, of 6
    save_campaign(user=supervisor, campaign=world.sales, values={"threshold_service_level": 100})
    # Now i2 (90 s) is within it too: 3 of 6.
    assert wait_until(lambda: service_level(supervisor) == 50.0, 30)
    save_campaign(user=supervisor, campaign=world.sales, values={"name": "Sales 2"})
    assert service_level(supervisor) == 50.0  # another field: nothing to recount
