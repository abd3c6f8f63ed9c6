"""Schedules belong to security groups and cannot be deleted while used (issue 9.4)."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from accounts.tokens import create_api_token
from campaigns.models import Schedule
from campaigns.services import delete_schedule, save_campaign, save_schedule
from dialer.models import Dialer
from tests.campaigns.factories import campaign_values, make_campaign, office_hours, provider


def api_call(client, user, method, path, data=None):
    _token, key = create_api_token(user=user, name="tests")
    body = json.dumps(data) if data is not None else None
    return getattr(client, method)(
        path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def dialer_using(campaign, schedule, name="Promo dialer"):
    dialer = Dialer.objects.create(name=name, campaign=campaign, provider=campaign.provider)
    dialer.schedules.set([schedule])
    return dialer


def test_a_schedule_only_a_dialer_uses_cannot_be_deleted(client, supervisor):
    """The dialer would silently become 24/7."""
    schedule = office_hours()
    dialer_using(make_campaign(supervisor), schedule)
    with pytest.raises(ValidationError) as caught:
        delete_schedule(user=supervisor, schedule=schedule)
    assert "dialer “Promo dialer”" in caught.value.messages[0]
    client.force_login(supervisor)
    response = client.post(f"/campaigns/schedules/{schedule.pk}/delete/", follow=True)
    assert "dialer “Promo dialer”" in response.content.decode()
    refused = api_call(client, supervisor, "delete", f"/api/v1/schedules/{schedule.pk}/")
    assert refused.status_code == 400 and "dialer “Promo dialer”" in str(refused.json())
    assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_refusal_names_campaigns_and_dialers_of_the_users_groups_only(
    supervisor, other_supervisor, admin, other_group
):
    schedule = office_hours()
    mine = make_campaign(supervisor, name="Sales", did="1")
    save_campaign(user=supervisor, campaign=mine, values={"schedules": [schedule]})
    theirs = make_campaign(other_supervisor, name="Secret", did="2")
    theirs.schedules.add(schedule)  # as an admin could have attached it
    dialer_using(theirs, schedule, name="Secret dialer")
    with pytest.raises(ValidationError) as caught:
        delete_schedule(user=supervisor, schedule=schedule)
    message = caught.value.messages[0]
    assert "campaign “Sales”" in message and "2 others outside your security groups" in message
    assert "Secret" not in message
    with pytest.raises(ValidationError) as caught:
        delete_schedule(user=admin, schedule=schedule)
    assert "campaign “Secret”" in caught.value.messages[0]
    assert "dialer “Secret dialer”" in caught.value.messages[0]


def test_an_unused_schedule_is_deleted(supervisor):
    schedule = office_hours()
    delete_schedule(user=supervisor, schedule=schedule)
    assert not Schedule.objects.exists()


def test_each_user_sees_the_schedules_of_their_groups(
    client, admin, supervisor, other_supervisor, agent, group, other_group
):
    sales = office_hours("Sales hours", group)
    collections = office_hours("Collections hours", other_group)
    admins_only = office_hours("Admins only", None)
    admins_only.security_group = None
    admins_only.save()

    def listed(user):
        response = api_call(client, user, "get", "/api/v1/schedules/")
        assert response.status_code == 200
        return sorted(s["name"] for s in response.json()["results"])

    assert listed(admin) == ["Admins only", "Collections hours", "Sales hours"]
    assert listed(supervisor) == ["Sales hours"]
    assert listed(other_supervisor) == ["Collections hours"]
    assert api_call(client, agent, "get", "/api/v1/schedules/").status_code == 403

    # Outside the user's groups: 404 on the API (read, edit, delete) and on the pages.
    for method, data in (("get", None), ("patch", {"name": "Mine"}), ("delete", None)):
        path = f"/api/v1/schedules/{collections.pk}/"
        assert api_call(client, supervisor, method, path, data).status_code == 404
    client.force_login(supervisor)
    assert client.get(f"/campaigns/schedules/{collections.pk}/").status_code == 404
    assert client.post(f"/campaigns/schedules/{collections.pk}/delete/").status_code == 404
    assert client.get(f"/campaigns/schedules/{admins_only.pk}/").status_code == 404
    page = client.get("/campaigns/schedules/").content.decode()
    assert "Sales hours" in page and "Collections hours" not in page
    assert client.get(f"/campaigns/schedules/{sales.pk}/").status_code == 200
    client.force_login(agent)
    assert client.get("/campaigns/schedules/").status_code == 403
    client.force_login(admin)
    assert client.get(f"/campaigns/schedules/{collections.pk}/").status_code == 200
    assert Schedule.objects.count() == 3


def test_a_supervisor_cannot_put_a_schedule_in_another_group(
    client, supervisor, other_group, group
):
    with pytest.raises(ValidationError) as caught:
        save_schedule(
            user=supervisor,
            schedule=None,
            name="Mine",
            time_zone="UTC",
            security_group=other_group,
            rules=[],
            holidays=[],
        )
    assert caught.value.message_dict == {"security_group": ["Choose one of your security groups."]}
    created = api_call(
        client, supervisor, "post", "/api/v1/schedules/", {"name": "Mine", "time_zone": "UTC"}
    )
    assert created.status_code == 201 and created.json()["security_group"] == group.pk
    moved = api_call(
        client,
        supervisor,
        "patch",
        f"/api/v1/schedules/{created.json()['id']}/",
        {"security_group": other_group.pk},
    )
    assert moved.status_code == 400 and "security_group" in moved.json()
    assert Schedule.objects.get().security_group == group


def test_a_campaign_cannot_use_another_groups_schedule(supervisor, other_group):
    theirs = office_hours("Theirs", other_group)
    with pytest.raises(ValidationError) as caught:
        save_campaign(
            user=supervisor, campaign=None, values=campaign_values(supervisor), schedules=[theirs]
        )
    assert "schedules" in caught.value.message_dict


def test_migration_gives_existing_schedules_the_group_of_their_users(
    supervisor, other_supervisor, group, other_group
):
    migration = importlib.import_module("campaigns.migrations.0002_schedule_security_group")
    used = office_hours("Used by a campaign")
    by_dialer = office_hours("Used by a dialer")
    unused = office_hours("Unused")
    make_campaign(supervisor, name="A", did="1").schedules.add(used)
    dialer_using(make_campaign(other_supervisor, name="B", did="2", provider=provider()), by_dialer)
    Schedule.objects.update(security_group=None)
    migration.schedules_join_their_users_groups(django_apps, None)
    assert Schedule.objects.get(pk=used.pk).security_group == group
    assert Schedule.objects.get(pk=by_dialer.pk).security_group == other_group
    assert Schedule.objects.get(pk=unused.pk).security_group is None  # admins only


def test_dialer_forms_offer_only_the_users_schedules(client, supervisor, other_group):
    mine = office_hours("Mine")
    theirs = office_hours("Theirs", other_group)
    campaign = make_campaign(supervisor)
    body = {"name": "D", "campaign": campaign.pk, "provider": campaign.provider_id}
    refused = api_call(
        client, supervisor, "post", "/api/v1/dialers/", {**body, "schedules": [theirs.pk]}
    )
    assert refused.status_code == 400 and "schedules" in refused.json()
    assert not Dialer.objects.exists()
    made = api_call(
        client, supervisor, "post", "/api/v1/dialers/", {**body, "schedules": [mine.pk]}
    )
    assert made.status_code == 201, made.json()
    client.force_login(supervisor)
    page = client.get("/dialers/").content.decode()
    assert "Mine" in page and "Theirs" not in page


def test_a_schedule_an_admin_attached_from_another_group_survives_a_supervisors_save(
    client, admin, supervisor, other_group
):
    mine = office_hours("Mine")
    theirs = office_hours("Theirs", other_group)
    campaign = make_campaign(supervisor)
    save_campaign(user=admin, campaign=campaign, values={"schedules": [theirs]})
    save_campaign(user=supervisor, campaign=campaign, values={"schedules": [mine]})
    assert set(campaign.schedules.values_list("name", flat=True)) == {"Mine", "Theirs"}
    save_campaign(user=supervisor, campaign=campaign, values={"schedules": []})
    assert list(campaign.schedules.values_list("name", flat=True)) == ["Theirs"]


def test_another_groups_objects_answer_like_missing_ones_in_the_campaign_api(
    client, supervisor, other_supervisor, other_group
):
    """Issue 10.11: ids of other groups' groups, providers and schedules are not confirmed."""
    theirs = office_hours("Theirs", other_group)
    restricted = provider("Collections line")
    restricted.security_groups.set([other_group])
    body = {k: getattr(v, "pk", v) for k, v in campaign_values(supervisor).items()}
    for field, foreign in (
        ("security_group", other_group.pk),
        ("provider", restricted.pk),
        ("schedules", [theirs.pk]),
    ):
        missing = [999999] if field == "schedules" else 999999
        answers = [
            api_call(client, supervisor, "post", "/api/v1/campaigns/", {**body, field: value})
            for value in (foreign, missing)
        ]
        texts = [
            str(a.json()[field]).replace(str(v if field != "schedules" else v[0]), "N")
            for a, v in zip(answers, (foreign, missing), strict=True)
        ]
        assert [a.status_code for a in answers] == [400, 400] and texts[0] == texts[1], texts
