"""Sign-in lockout (django-axes): per username, per address, on the portal's and the Django
admin's login forms; an admin unlocks; the lockout ends after LOGIN_LOCKOUT_MINUTES."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from accounts.tokens import create_api_token
from tests.conftest import PASSWORD

LOCKED = "Sign-in is locked after 5 failed attempts"


def post_login(client, username: str, password: str, address: str = "10.0.0.1", url=None):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username: str, times: int, address: str = "10.0.0.1", url=None):
    for _ in range(times):
        response = post_login(client, username, "not-the-password", address, url)
    return response


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_the_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_four_failures_then_the_right_password_signs_in(client, supervisor):
    assert fail(client, "sam", 4).status_code == 200
    assert post_login(client, "sam", PASSWORD).status_code == 302
    assert signed_in(client)


def test_five_failures_lock_the_username_with_a_clear_message(client, supervisor):
    response = fail(client, "sam", 5)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()

    # The right password, from the same address and from another one, is refused too.
    for address in ("10.0.0.1", "10.9.9.9"):
        response = post_login(client, "sam", PASSWORD, address)
        assert response.status_code == 429
        page = response.content.decode()
        assert LOCKED in page and "Try again in 15 minutes" in page
        assert 'data-testid="login-error"' in page
        assert not signed_in(client)

    # Another user signs in from the same addresses meanwhile.
    User.objects.create_user(username="kim", password=PASSWORD)
    assert post_login(client, "kim", PASSWORD, "10.9.9.9").status_code == 302


def test_five_failures_from_one_address_lock_that_address_across_usernames(client, supervisor):
    for name in ("a", "b", "c", "d", "e"):
        fail(client, name, 1, address="10.0.0.7")
    response = post_login(client, "sam", PASSWORD, "10.0.0.7")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)
    assert post_login(client, "sam", PASSWORD, "10.0.0.8").status_code == 302


def test_the_django_admin_login_locks_too(client, db):
    User.objects.create_superuser(username="root", password=PASSWORD)
    url = reverse("admin:login")
    response = fail(client, "root", 5, url=url)
    assert response.status_code == 429
    response = post_login(client, "root", PASSWORD, url=url)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    # The portal's form refuses the same username: one lockout for both forms.
    assert post_login(client, "root", PASSWORD).status_code == 429


def test_an_admin_unlocks_the_user_in_the_django_admin(client, supervisor):
    fail(client, "sam", 5)
    assert post_login(client, "sam", PASSWORD).status_code == 429

    root = User.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [supervisor.pk]},
        follow=True,
    )
    assert "1 user unlocked." in response.content.decode()
    client.logout()

    assert post_login(client, "sam", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_lockout_ends_after_the_cool_off_time(client, supervisor):
    fail(client, "sam", 5)
    assert post_login(client, "sam", PASSWORD).status_code == 429
    # Sixteen minutes pass.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert post_login(client, "sam", PASSWORD).status_code == 302
    assert signed_in(client)


def test_api_tokens_keep_working_while_the_username_is_locked(client, supervisor):
    _token, key = create_api_token(user=supervisor, name="script")
    fail(client, "sam", 5)
    assert post_login(client, "sam", PASSWORD).status_code == 429
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["username"] == "sam"


def test_the_test_clients_login_works_when_given_a_request(client, supervisor):
    # Axes needs the request to know the address: tests pass one (or use force_login).
    request = RequestFactory().post("/login/")
    assert client.login(request=request, username="sam", password=PASSWORD)
    assert signed_in(client)
    assert not client.login(request=request, username="sam", password="wrong")


@pytest.mark.parametrize("password", ["wrong", PASSWORD])
def test_the_attempt_log_never_holds_a_password(client, supervisor, password):
    fail(client, "sam", 5)
    post_login(client, "sam", password)
    for attempt in AccessAttempt.objects.all():
        assert "not-the-password" not in attempt.post_data
        assert PASSWORD not in attempt.post_data
