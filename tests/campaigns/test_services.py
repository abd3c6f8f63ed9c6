"""Campaign services: every field checked, nothing stored on bad input, history protected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign, CampaignMember, PresetResponse, Schedule
from campaigns.services import (
    add_members,
    delete_campaign,
    delete_schedule,
    remove_members,
    save_campaign,
    save_schedule,
)
from conversations.models import Interaction
from conversations.routing import route_message
from tests.campaigns.factories import campaign_values, make_campaign, office_hours, provider
from tests.conversations.factories import inbound
from tests.providers.factories import twilio_provider


def test_defaults_are_working_values(supervisor):
    campaign = make_campaign(supervisor)
    fresh = Campaign()
    assert (
        fresh.service_level,
        fresh.threshold_service_level,
        fresh.max_interactions_per_agent,
        fresh.enabled,
        fresh.strategy,
    ) == (80, 60, 3, True, "round_robin")
    assert fresh.out_of_time_message
    assert campaign.security_group == supervisor.security_groups.first()


def test_schedules_and_presets_are_saved_in_order(supervisor):
    schedule = office_hours()
    presets = [
        {"title": "Hi", "text": "Hello!"},
        {"title": "Bye", "text": "Goodbye"},
        {"title": "Wait", "text": "One moment"},
    ]
    campaign = save_campaign(
        user=supervisor,
        campaign=None,
        values=campaign_values(supervisor),
        schedules=[schedule],
        presets=presets,
    )
    assert list(campaign.schedules.all()) == [schedule]
    assert list(campaign.preset_responses.values_list("title", flat=True)) == ["Hi", "Bye", "Wait"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": " "}, "name", "Give the campaign a name."),
        ({"threshold_abandon": -5}, "threshold_abandon", "greater than or equal to 0."),
        ({"threshold_acd": "many"}, "threshold_acd", "must be an integer"),
        ({"service_level": 120}, "service_level", "less than or equal to 100."),
        ({"max_interactions_per_agent": 0}, "max_interactions_per_agent", "greater than or equal to 1."),
        ({"strategy": "loudest"}, "strategy", "not a valid choice"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_with_a_field_error(supervisor, values, field, message):
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, **values)
    assert message in caught.value.message_dict[field][0]
    assert not Campaign.objects.exists()


def test_duplicate_name_is_refused(supervisor):
    make_campaign(supervisor)
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, did="999")
    assert caught.value.message_dict["name"] == ["A campaign with this name exists already."]
    assert Campaign.objects.count() == 1


def test_did_already_used_on_the_same_provider_is_refused(supervisor):
    make_campaign(supervisor, name="A", did="5000")
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, name="B", did="5000")
    # The other campaign is never named: it may be outside the user's groups (issue 10.11).
    assert caught.value.message_dict["did"] == [
        "DID “5000” is already used by another campaign on this provider."
    ]
    other = twilio_provider("Twilio backup")
    assert make_campaign(supervisor, name="C", did="5000", provider=other).did == "5000"


def test_provider_the_user_cannot_see_is_refused(supervisor, other_group):
    restricted = twilio_provider("Collections line")
    restricted.security_groups.set([other_group])
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, provider=restricted)
    assert caught.value.message_dict["provider"] == [
        "Choose an SMS provider available to your security groups."
    ]
    assert not Campaign.objects.exists()


def test_security_group_must_be_one_of_the_users(supervisor, other_group):
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, security_group=other_group)
    assert "security_group" in caught.value.message_dict


def test_bad_preset_stores_nothing(supervisor):
    with pytest.raises(ValidationError) as caught:
        save_campaign(
            user=supervisor,
            campaign=None,
            values=campaign_values(supervisor),
            presets=[{"title": "Ok", "text": "fine"}, {"title": "", "text": "x"}],
        )
    assert caught.value.message_dict["preset_responses"] == ["Pre-set response 2: Give it a title."]
    assert not Campaign.objects.exists() and not PresetResponse.objects.exists()


def test_disable_keeps_data_and_re_enable(supervisor):
    campaign = save_campaign(
        user=supervisor,
        campaign=None,
        values=campaign_values(supervisor),
        presets=[{"title": "Hi", "text": "Hello"}],
    )
    save_campaign(user=supervisor, campaign=campaign, values={"enabled": False})
    campaign.refresh_from_db()
    assert not campaign.enabled and campaign.preset_responses.count() == 1
    save_campaign(user=supervisor, campaign=campaign, values={"enabled": True})
    campaign.refresh_from_db()
    assert campaign.enabled


def test_delete_is_refused_when_the_campaign_has_history(supervisor):
    campaign = make_campaign(supervisor)
    route_message(inbound(provider(), "099123456", did="1234").pk)
    assert Interaction.objects.filter(campaign=campaign).exists()
    with pytest.raises(ValidationError) as caught:
        delete_campaign(user=supervisor, campaign=campaign)
    assert "has interactions; deleting it" in caught.value.messages[0]
    assert "Disable the campaign instead" in caught.value.messages[0]
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    Interaction.objects.all().delete()  # and their messages
    delete_campaign(user=supervisor, campaign=campaign)
    assert not Campaign.objects.exists()


def test_members_only_agents_and_only_visible(supervisor, other_supervisor, agent):
    campaign = make_campaign(supervisor)
    assert add_members(user=supervisor, campaigns=[campaign], agents=[agent]) == 1
    assert add_members(user=supervisor, campaigns=[campaign], agents=[agent]) == 0
    with pytest.raises(ValidationError, match="Only agents"):
        add_members(user=supervisor, campaigns=[campaign], agents=[other_supervisor])
    with pytest.raises(ValidationError, match="No such campaign"):
        add_members(user=other_supervisor, campaigns=[campaign], agents=[agent])
    assert remove_members(user=supervisor, campaigns=[campaign], agents=[agent]) == 1
    assert not CampaignMember.objects.exists()


@pytest.mark.parametrize(
    ("rules", "holidays", "field", "message"),
    [
        ([{"weekdays": [0], "start": dt.time(18), "end": dt.time(9)}], [], "rules",
         "Rule 1: The end (09:00) is not after the start (18:00)"),
        ([{"weekdays": [], "start": dt.time(9), "end": dt.time(18)}], [], "rules",
         "Rule 1: Choose at least one weekday"),
        ([], [{"date": dt.date(2026, 12, 25), "start": dt.time(10), "end": None}], "holidays",
         "Give both opening and closing times"),
        ([], [{"date": dt.date(2026, 12, 25)}, {"date": dt.date(2026, 12, 25)}], "holidays",
         "is listed twice"),
    ],
)  # fmt: skip
def test_bad_schedules_are_refused(db, rules, holidays, field, message):
    with pytest.raises(ValidationError) as caught:
        save_schedule(schedule=None, name="Bad", time_zone="UTC", rules=rules, holidays=holidays)
    assert message in caught.value.message_dict[field][0]
    assert not Schedule.objects.exists()


def test_overnight_rule_is_accepted_when_ticked(db):
    schedule = save_schedule(
        schedule=None,
        name="Night",
        time_zone="Europe/Madrid",
        rules=[{"weekdays": [4], "start": dt.time(22), "end": dt.time(2), "overnight": True}],
        holidays=[],
    )
    assert schedule.rules.get().overnight


def test_unknown_time_zone(db):
    with pytest.raises(ValidationError) as caught:
        save_schedule(schedule=None, name="X", time_zone="Mars/Olympus", rules=[], holidays=[])
    assert "is not a time zone" in caught.value.message_dict["time_zone"][0]


def test_a_schedule_in_use_cannot_be_deleted(supervisor):
    schedule = office_hours()
    save_campaign(
        user=supervisor, campaign=None, values=campaign_values(supervisor), schedules=[schedule]
    )
    with pytest.raises(ValidationError, match="attached to campaign “Sales”"):
        delete_schedule(user=supervisor, schedule=schedule)


def test_a_did_clash_with_another_groups_campaign_does_not_name_it(
    supervisor, other_supervisor, client
):
    """Issue 10.11: the supervisor learns the DID is taken, not by which campaign."""
    make_campaign(other_supervisor, name="Plain", did="200")
    with pytest.raises(ValidationError) as caught:
        make_campaign(supervisor, name="Mine", did="200")
    assert caught.value.message_dict["did"] == [
        "DID “200” is already used by another campaign on this provider."
    ]
    assert "Plain" not in str(caught.value)
