"""Who may open what, in pages and API: the shared role table decides both."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import SECTIONS_BY_ROLE, Role, Section, role_can_open
from contactcenter.menu import MENU

SUPERVISOR_URLS = ["campaigns:index", "campaigns:members", "dialer:index", "dialer:monitor",
                   "monitoring:index", "monitoring:reports", "recordings:index"]  # fmt: skip


def test_every_menu_entry_has_a_section_and_every_section_a_menu_entry():
    assert sorted(e.section for e in MENU) == sorted(Section.values)


def test_role_table():
    assert SECTIONS_BY_ROLE[Role.ADMIN] == frozenset(Section.values)
    assert not role_can_open(Role.SUPERVISOR, Section.PROVIDERS)
    assert not role_can_open(Role.SUPERVISOR, Section.INBOX)
    assert role_can_open(Role.AGENT, Section.INBOX)
    assert [s for s in Section.values if role_can_open(Role.AGENT, s)] == [Section.INBOX]
    assert not role_can_open("nobody", Section.INBOX)


@pytest.mark.parametrize("url_name", SUPERVISOR_URLS)
def test_agent_opening_a_supervisor_page_gets_403(client, agent, url_name):
    client.force_login(agent)
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", SUPERVISOR_URLS)
def test_supervisor_opens_supervisor_pages(client, supervisor, url_name):
    client.force_login(supervisor)
    assert client.get(reverse(url_name)).status_code == 200


def test_supervisor_cannot_open_providers_or_inbox(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("providers:index")).status_code == 403
    assert client.get(reverse("agents:inbox")).status_code == 403


def test_admin_opens_everything(client, admin):
    client.force_login(admin)
    for entry in MENU:
        assert client.get(reverse(entry.url_name)).status_code == 200, entry.url_name


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("campaigns:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inactive_user_is_refused(client, supervisor):
    supervisor.is_active = False
    supervisor.save()
    client.force_login(supervisor)
    assert client.get(reverse("campaigns:index")).status_code in {302, 403}


def test_menu_shows_only_the_roles_entries(client, agent, supervisor):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert 'data-section="inbox"' in html
    assert 'data-section="campaigns"' not in html
    client.force_login(supervisor)
    html = client.get(reverse("home")).content.decode()
    assert 'data-section="campaigns"' in html
    assert 'data-section="providers"' not in html
    assert 'data-section="inbox"' not in html
