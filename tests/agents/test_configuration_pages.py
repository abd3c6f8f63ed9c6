"""The pages of Configuration → Agents: the menu entry, admins edit, supervisors read their
groups' agents (404 for others, 403 for any change), agents cannot open them; bad input is
shown next to its field with nothing stored; a generated password is shown once."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from agents.models import BreakType
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PAGE = "/configuration/agents/"


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_menu_shows_the_section_to_admins_and_supervisors_only(admin, supervisor, agent):
    for user in (admin, supervisor):
        page = browser(user).get("/").content.decode()
        assert 'data-section="agents_config"' in page and "Configuration" in page
    assert 'data-section="agents_config"' not in browser(agent).get("/").content.decode()
    assert browser(agent).get(PAGE).status_code == 403
    assert browser(agent).get("/configuration/break-types/").status_code == 403


def test_a_supervisor_reads_their_groups_agents_and_changes_nothing(supervisor, agent, other_group):
    stranger = make_user("stan", Role.AGENT, [other_group])
    client = browser(supervisor)
    page = client.get(PAGE).content.decode()
    assert 'data-user="alex"' in page and 'data-user="stan"' not in page
    assert 'data-testid="user-form"' not in page and 'data-testid="read-only-note"' in page
    details = client.get(f"{PAGE}{agent.pk}/").content.decode()
    assert 'data-testid="user-details"' in details and 'data-testid="reset-password"' not in details
    assert client.get(f"{PAGE}{stranger.pk}/").status_code == 404
    assert client.post(PAGE, {"username": "nina", "role": "agent"}).status_code == 403
    assert client.post(f"{PAGE}{agent.pk}/deactivate/").status_code == 403
    assert client.post(f"{PAGE}{agent.pk}/password/").status_code == 403
    assert client.post(f"{PAGE}{stranger.pk}/deactivate/").status_code == 403
    assert not User.objects.filter(username="nina").exists()
    agent.refresh_from_db()
    assert agent.is_active
    breaks = client.get("/configuration/break-types/").content.decode()
    assert 'data-testid="break-type-form"' not in breaks
    assert client.post("/configuration/break-types/", {"name": "Nap"}).status_code == 403


def test_an_admin_creates_a_user_and_sees_the_generated_password_once(admin, supervisor, group):
    sales = make_campaign(supervisor, name="Sales UY")
    client = browser(admin)
    response = client.post(
        PAGE,
        {
            "username": "nina",
            "first_name": "Nina",
            "role": "agent",
            "security_groups": [group.pk],
            "campaigns": [sales.pk],
            "screen_monitoring": "on",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    nina = User.objects.get(username="nina")
    password = page.split('data-testid="new-password">')[1].split("<")[0]
    assert nina.check_password(password) and nina.screen_monitoring
    assert password not in client.get(f"{PAGE}{nina.pk}/").content.decode()


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_stored(admin, supervisor, group):
    sales = make_campaign(supervisor, name="Sales UY")
    response = browser(admin).post(
        PAGE,
        {"username": "nina", "role": "supervisor", "campaigns": [sales.pk], "password": "123"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-campaigns"' in page
    assert "Only agents can be members of campaigns." in page
    assert 'data-testid="error-password"' in page and "This password is too short." in page
    assert not User.objects.filter(username="nina").exists()


def test_an_admin_edits_break_types_with_icons_of_the_set(admin):
    client = browser(admin)
    response = client.post(
        "/configuration/break-types/", {"name": "Nap", "icon": "zzz", "position": 5}
    )
    assert "“zzz” is not an icon of the Bootstrap Icons set." in response.content.decode()
    assert not BreakType.objects.filter(name="Nap").exists()
    response = client.post(
        "/configuration/break-types/", {"name": "Nap", "icon": "moon", "position": 5}
    )
    assert response.status_code == 302
    page = client.get("/configuration/break-types/").content.decode()
    assert "bootstrap-icons.svg#moon" in page and 'data-break-type="Nap"' in page
