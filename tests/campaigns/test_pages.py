"""Schedules page and campaign page behaviour without a browser; routing by DID."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Schedule
from campaigns.selectors import campaign_is_open
from conversations.models import Message
from conversations.routing import route_message
from conversations.states import Routing
from tests.campaigns.factories import make_campaign, office_hours, provider
from tests.conversations.factories import inbound


def schedule_post(**rows):
    data = {
        "name": "Night",
        "time_zone": "America/Montevideo",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
    }
    data.update(rows)
    return data


def test_schedule_page_creates_rules_and_holidays(client, supervisor):
    client.force_login(supervisor)
    response = client.post(
        "/campaigns/schedules/",
        schedule_post(
            **{
                "rules-0-weekdays": ["4", "5"],
                "rules-0-start": "22:00",
                "rules-0-end": "02:00",
                "rules-0-overnight": "on",
                "holidays-0-date": "2026-12-25",
                "holidays-0-name": "Xmas",
            }
        ),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.get()
    rule = schedule.rules.get()
    assert (rule.weekdays, rule.overnight, rule.start) == ([4, 5], True, dt.time(22))
    assert schedule.holidays.get().name == "Xmas"


def test_schedule_page_refuses_end_before_start(client, supervisor):
    client.force_login(supervisor)
    html = client.post(
        "/campaigns/schedules/",
        schedule_post(
            **{"rules-0-weekdays": ["1"], "rules-0-start": "18:00", "rules-0-end": "09:00"}
        ),
    ).content.decode()
    assert "Rule 1: The end (09:00) is not after the start (18:00)" in html
    assert not Schedule.objects.exists()


def test_campaign_page_warns_when_no_schedule_is_attached(client, supervisor):
    campaign = make_campaign(supervisor)
    client.force_login(supervisor)
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="no-schedule-warning"' in html
    campaign.schedules.set([office_hours()])
    assert (
        'data-testid="no-schedule-warning"'
        not in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    )


def test_campaign_open_follows_its_schedules(supervisor):
    campaign = make_campaign(supervisor)
    sunday = dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.UTC)
    assert campaign_is_open(campaign, sunday)  # nothing attached: open at all hours
    campaign.schedules.set([office_hours()])
    assert not campaign_is_open(campaign, sunday)
    assert campaign_is_open(campaign, dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))


def test_inbound_message_joins_the_campaign_of_its_did(supervisor):
    campaign = make_campaign(supervisor, did="59899000111")
    hit = inbound(provider(), "+598991", did="59899000111")
    miss = inbound(provider(), "+598991", did="000")
    assert route_message(hit.pk) == Routing.ROUTED
    assert route_message(miss.pk) == Routing.UNROUTED
    hit, miss = Message.objects.get(pk=hit.pk), Message.objects.get(pk=miss.pk)
    assert hit.interaction.campaign == campaign
    assert (miss.routing, miss.interaction) == (Routing.UNROUTED, None)
