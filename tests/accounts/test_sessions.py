"""The index of each user's sessions, and ending every login of one user at once."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from accounts.models import UserSession
from accounts.sessions import end_access, session_keys_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    browser = Client()
    assert browser.login(
        request=RequestFactory().post("/login/"), username=username, password=PASSWORD
    )
    return browser


def key(browser: Client) -> str:
    return browser.session.session_key


def test_every_sign_in_is_indexed_and_a_sign_out_forgets_it(supervisor, agent):
    first, second, other = signed_in("alex"), signed_in("alex"), signed_in("sam")
    assert sorted(session_keys_of(agent.pk)) == sorted([key(first), key(second)])
    assert session_keys_of(supervisor.pk) == [key(other)]
    gone = key(first)
    first.post("/logout/")
    assert session_keys_of(agent.pk) == [key(second)]
    assert not UserSession.objects.filter(session_key=gone).exists()


def test_a_sessions_that_ended_meanwhile_leave_the_index_at_the_next_sign_in(agent):
    old = signed_in("alex")
    Session.objects.filter(session_key=key(old)).delete()  # expired and cleared
    new = signed_in("alex")
    assert session_keys_of(agent.pk) == [key(new)]


def test_ending_access_ends_only_that_users_sessions(supervisor, agent):
    mine, also_mine, theirs = signed_in("alex"), signed_in("alex"), signed_in("sam")
    assert end_access(agent.pk, reason="test") == 2
    assert mine.get("/").status_code == 302 and also_mine.get("/").status_code == 302
    assert theirs.get("/").status_code == 200
    assert session_keys_of(agent.pk) == [] and session_keys_of(supervisor.pk) == [key(theirs)]
