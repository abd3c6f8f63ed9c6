"""Configuration → Agents, the services: admins create, edit, deactivate users and reset their
passwords; every refusal names its field and stores nothing; a change that takes work away
from an agent signs them out everywhere and requeues what they held."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client, RequestFactory

from accounts.models import ApiToken, User
from accounts.roles import Role
from accounts.tokens import create_api_token
from agents.break_types import save_break_type
from agents.configuration.selectors import user_for_user, users_for
from agents.configuration.services import (
    activate_user,
    create_user,
    deactivate_user,
    reset_password,
    update_user,
)
from agents.models import AgentStatus, BreakType
from agents.states import AgentState
from campaigns.models import CampaignMember
from conversations.models import Assignment, Interaction
from conversations.routing import route_message
from conversations.states import InteractionState
from tests.campaigns.factories import make_campaign
from tests.conftest import PASSWORD, make_user
from tests.conversations.factories import inbound, member
from tests.conversations.sockets import EventSocket

pytestmark = pytest.mark.django_db


def values(**extra):
    return {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Núñez",
        "email": "nina@example.com",
        "role": Role.AGENT,
        "security_groups": [],
        "screen_monitoring": False,
        **extra,
    }


def memberships(user: User) -> list[str]:
    return sorted(
        CampaignMember.objects.filter(agent=user).values_list("campaign__name", flat=True)
    )


def sessions_of(user: User) -> int:
    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )


def login(browser: Client, username: str, password: str) -> bool:
    # django-axes needs the request (the address) to count failures.
    return browser.login(
        request=RequestFactory().post("/login/"), username=username, password=password
    )


def signs_in(username: str, password: str) -> bool:
    return login(Client(), username, password)


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    return exc.value.message_dict


# ------------------------------------------------------------------------------------ create
def test_an_admin_creates_an_agent_with_groups_campaigns_and_screen_monitoring(
    admin, supervisor, group
):
    sales = make_campaign(supervisor, name="Sales UY")
    nina, generated = create_user(
        by=admin,
        values=values(security_groups=[group], screen_monitoring=True),
        campaigns=[sales],
    )
    nina.refresh_from_db()
    assert (nina.role, nina.screen_monitoring, nina.is_active) == (Role.AGENT, True, True)
    assert list(nina.security_groups.all()) == [group]
    assert memberships(nina) == ["Sales UY"]
    assert not (nina.is_staff or nina.is_superuser)
    # The generated password signs in; it is long and random (never the same twice).
    assert generated and len(generated) >= 16
    assert signs_in("nina", generated)
    _other, second = create_user(by=admin, values=values(username="ines"))
    assert second != generated


def test_a_given_password_is_kept_and_not_answered_back(admin):
    nina, generated = create_user(by=admin, values=values(), password="Tr1cky-Lagoon-77")
    assert generated is None and nina.pk
    assert signs_in("nina", "Tr1cky-Lagoon-77")


def test_an_admin_role_may_open_the_django_admin(admin):
    boss, _pw = create_user(by=admin, values=values(username="boss", role=Role.ADMIN))
    boss.refresh_from_db()
    assert (boss.role, boss.is_staff, boss.is_superuser) == (Role.ADMIN, True, True)


@pytest.mark.parametrize(
    ("changes", "password", "field", "text"),
    [
        ({"username": "ada"}, None, "username", "A user with that username already exists."),
        ({"username": "no spaces"}, None, "username", "Enter a valid username."),
        ({"username": ""}, None, "username", "This field cannot be blank."),
        ({"role": "boss"}, None, "role", "Value 'boss' is not a valid choice."),
        ({"email": "not-an-address"}, None, "email", "Enter a valid email address."),
        ({}, "123", "password", "This password is too short."),
        ({}, "password123", "password", "This password is too common."),
        ({}, "nina@example.co", "password", "too similar"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(admin, changes, password, field, text):
    before = User.objects.count()
    errors = refused(create_user, by=admin, values=values(**changes), password=password)
    assert any(text in message for message in errors[field]), errors
    assert User.objects.count() == before


def test_campaigns_only_for_agents_and_only_of_their_groups(admin, supervisor, group):
    sales = make_campaign(supervisor, name="Sales UY")
    errors = refused(
        create_user,
        by=admin,
        values=values(role=Role.SUPERVISOR, security_groups=[group]),
        campaigns=[sales],
    )
    assert errors == {"campaigns": ["Only agents can be members of campaigns."]}
    errors = refused(create_user, by=admin, values=values(), campaigns=[sales])
    assert errors == {
        "campaigns": ["These campaigns belong to security groups the user is not in: Sales UY."]
    }
    assert not User.objects.filter(username="nina").exists()
    assert not CampaignMember.objects.exists()


def test_only_admins_may_change_users(supervisor, agent):
    for who in (supervisor, agent):
        with pytest.raises(PermissionDenied):
            create_user(by=who, values=values())
        with pytest.raises(PermissionDenied):
            update_user(by=who, user=agent, values={"screen_monitoring": True})
        with pytest.raises(PermissionDenied):
            deactivate_user(by=who, user=agent)
        with pytest.raises(PermissionDenied):
            reset_password(by=who, user=agent)
    agent.refresh_from_db()
    assert agent.is_active and not agent.screen_monitoring


# ------------------------------------------------------------------------------------ edit
def test_editing_groups_campaigns_and_screen_monitoring_goes_through_the_member_services(
    admin, supervisor, group, other_group, other_supervisor
):
    sales = make_campaign(supervisor, name="Sales UY")
    debts = make_campaign(other_supervisor, name="Debts", did="5555")
    nina, _pw = create_user(by=admin, values=values(security_groups=[group]), campaigns=[sales])
    update_user(
        by=admin,
        user=nina,
        values={"security_groups": [group, other_group], "screen_monitoring": True},
        campaigns=[sales, debts],
    )
    nina.refresh_from_db()
    assert nina.screen_monitoring
    assert memberships(nina) == ["Debts", "Sales UY"]
    # Leaving a group while staying in its campaign is refused; nothing changes.
    errors = refused(update_user, by=admin, user=nina, values={"security_groups": [group]})
    assert errors == {
        "campaigns": ["These campaigns belong to security groups the user is not in: Debts."]
    }
    assert set(nina.security_groups.all()) == {group, other_group}
    update_user(by=admin, user=nina, values={"security_groups": [group]}, campaigns=[sales])
    assert memberships(nina) == ["Sales UY"]


def test_a_new_role_leaves_every_campaign_and_ends_the_users_logins(admin, supervisor, group):
    sales = make_campaign(supervisor, name="Sales UY")
    nina, password = create_user(
        by=admin, values=values(security_groups=[group]), campaigns=[sales]
    )
    browser = Client()
    assert login(browser, "nina", password)
    assert sessions_of(nina) == 1
    update_user(by=admin, user=nina, values={"role": Role.SUPERVISOR})
    nina.refresh_from_db()
    assert (nina.role, memberships(nina), sessions_of(nina)) == (Role.SUPERVISOR, [], 0)
    assert browser.get("/").status_code == 302  # to the login page


def test_an_admin_cannot_change_their_own_role_or_deactivate_or_reset_themselves(admin):
    errors = refused(update_user, by=admin, user=admin, values={"role": Role.AGENT})
    assert errors == {"role": ["You cannot change your own role."]}
    errors = refused(deactivate_user, by=admin, user=admin)
    assert errors == {"is_active": ["You cannot deactivate your own account."]}
    errors = refused(reset_password, by=admin, user=admin)
    assert errors == {"password": ["Change your own password on the Password page."]}
    admin.refresh_from_db()
    assert (admin.role, admin.is_active, admin.check_password(PASSWORD)) == (
        Role.ADMIN,
        True,
        True,
    )


def test_a_demoted_admin_is_no_longer_a_superuser(admin):
    boss, _pw = create_user(by=admin, values=values(username="boss", role=Role.ADMIN))
    update_user(by=admin, user=boss, values={"role": Role.SUPERVISOR})
    boss.refresh_from_db()
    assert (boss.role, boss.is_staff, boss.is_superuser) == (Role.SUPERVISOR, False, False)


# ------------------------------------------------------------------------------------ password
def test_a_reset_password_is_new_valid_once_and_ends_sessions_and_tokens(admin, agent):
    browser = Client()
    assert login(browser, agent.username, PASSWORD)
    create_api_token(user=agent, name="script")
    password = reset_password(by=admin, user=agent)
    agent.refresh_from_db()
    assert password != PASSWORD and agent.check_password(password)
    assert not agent.check_password(PASSWORD)
    assert sessions_of(agent) == 0 and not ApiToken.objects.filter(user=agent).exists()
    assert browser.get("/").status_code == 302
    assert reset_password(by=admin, user=agent) != password


# ------------------------------------------------------------------------------------ scoping
def test_supervisors_see_only_their_groups_agents(
    admin, supervisor, other_supervisor, agent, other_group
):
    stranger = make_user("stan", Role.AGENT, [other_group])
    assert list(users_for(supervisor)) == [agent]
    assert list(users_for(other_supervisor)) == [stranger]
    assert set(users_for(admin)) == {admin, supervisor, other_supervisor, agent, stranger}
    assert list(users_for(agent)) == []
    with pytest.raises(Http404):
        user_for_user(user=supervisor, pk=stranger.pk)
    with pytest.raises(Http404):
        user_for_user(user=supervisor, pk=other_supervisor.pk)  # supervisors: agents only
    assert user_for_user(user=supervisor, pk=agent.pk) == agent


def test_a_supervisor_is_not_told_other_groups_names(supervisor, group, other_group, admin):
    both = make_user("bea", Role.AGENT, [group, other_group])
    (seen,) = [u for u in users_for(supervisor) if u.pk == both.pk]
    assert [g.name for g in seen.security_groups.all()] == [group.name]


# ------------------------------------------------------------------------------------ break types
def test_a_break_type_icon_must_be_one_of_the_sprites_icons():
    with pytest.raises(ValidationError) as exc:
        save_break_type(break_type=None, values={"name": "Nap", "icon": "sleepy-face"})
    assert exc.value.message_dict == {
        "icon": ["“sleepy-face” is not an icon of the Bootstrap Icons set."]
    }
    assert not BreakType.objects.filter(name="Nap").exists()
    saved = save_break_type(break_type=None, values={"name": "Nap", "icon": " moon-stars "})
    assert saved.icon == "moon-stars"


# ------------------------------------------------------------------------------------ at once
@pytest.mark.django_db(transaction=True)
def test_deactivation_requeues_the_agents_interaction_and_ends_every_login(
    live_url, admin, supervisor, group
) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = make_user("ana", Role.AGENT, [group])
    member(campaign, ana, signed_in=False)
    tab = EventSocket(live_url, ana)
    other_tab = EventSocket(live_url, ana)  # a second login: it ends too
    route_message(inbound(campaign.provider, "099000001").pk)
    held = Interaction.objects.get()
    bob = member(campaign, make_user("bob", Role.AGENT, [group]))
    assert held.agent == ana

    deactivate_user(by=admin, user=ana)

    held.refresh_from_db()
    assert (held.state, held.agent) == (InteractionState.ASSIGNED, bob)
    assert held.queued_at == held.opened_at  # back at the head, its waiting time kept
    assert Assignment.objects.get(interaction=held, agent=ana).release_reason == "deactivated"
    assert AgentStatus.objects.get(agent=ana).state == AgentState.DISCONNECTED
    assert (tab.closed_code(), other_tab.closed_code()) == (4401, 4401)
    assert sessions_of(ana) == 0
    assert not signs_in("ana", PASSWORD)
    activate_user(by=admin, user=ana)
    assert signs_in("ana", PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_taking_an_agent_out_of_a_campaign_requeues_what_they_held_there(
    live_url, admin, supervisor, group
) -> None:
    """Their other work goes on: they stay signed in, and their open inbox stops following the
    campaign's queue at once (as on the Members page)."""
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = make_user("ana", Role.AGENT, [group])
    member(campaign, ana, signed_in=False)
    tab = EventSocket(live_url, ana)
    route_message(inbound(campaign.provider, "099000001").pk)
    held = Interaction.objects.get()
    assert held.agent == ana

    update_user(by=admin, user=ana, values={}, campaigns=[])

    held.refresh_from_db()
    assert (held.state, held.agent) == (InteractionState.QUEUED, None)
    assert memberships(ana) == []
    assert Assignment.objects.get(interaction=held, agent=ana).release_reason == "membership"
    changed = tab.until(lambda e: e["kind"] == "memberships.changed")[-1]
    assert changed["payload"]["campaigns"] == []
    assert sessions_of(ana) == 1


@pytest.mark.django_db(transaction=True)
def test_a_user_saved_inactive_elsewhere_is_logged_out_at_once(live_url, supervisor, group) -> None:
    """The Django admin (and a shell) deactivate by saving the user (``ModelAdmin.save_model``
    calls ``save()``): every socket and session ends at once there too."""
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = member(campaign, make_user("ana", Role.AGENT, [group]))
    tab = EventSocket(live_url, ana)
    route_message(inbound(campaign.provider, "099000001").pk)
    held = Interaction.objects.get()
    assert held.agent == ana
    ana.first_name = "Ana"
    ana.save()  # another change: nothing ends
    assert sessions_of(ana) == 1
    ana.is_active = False
    ana.save()
    held.refresh_from_db()
    assert held.state == InteractionState.QUEUED
    assert Assignment.objects.get(interaction=held, agent=ana).release_reason == "deactivated"
    assert tab.closed_code() == 4401
    assert sessions_of(ana) == 0
