"""The monitor's counters: Processed counts every finished row, Sent only the accepted ones."""

from __future__ import annotations

from dialer.counters import adjust
from dialer.selectors import monitor_counters
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign


def test_sent_counts_only_rows_the_provider_accepted(supervisor):
    campaign = make_campaign(supervisor, did="")
    adjust({(campaign.pk, S.SENT): 5, (campaign.pk, S.BLOCKED): 2, (campaign.pk, S.OTHER): 1,
            (campaign.pk, S.FAILED): 3, (campaign.pk, S.TO_PROCESS): 7, (campaign.pk, S.NONE): 1,
            (campaign.pk, S.SENDING): 4})  # fmt: skip
    counters = monitor_counters(campaign)
    assert counters["sent"] == 5
    assert counters["processed"] == 5 + 2 + 1 + 3  # blocked, other and failed rows too
    assert counters["not_processed"] == 8
    assert (counters["blocked"], counters["other"], counters["failed"]) == (2, 1, 3)
    assert counters["sending"] == 4
