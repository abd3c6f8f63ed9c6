from __future__ import annotations

import logging

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_wrong_password_shows_an_error_and_logs_nothing_secret(client, supervisor, caplog):
    secret_attempt = "Wr0ng-But-Secret-Guess!"
    with caplog.at_level(logging.INFO):
        response = client.post(
            reverse("login"), {"username": supervisor.username, "password": secret_attempt}
        )
    assert response.status_code == 200
    assert b'data-testid="login-error"' in response.content
    assert b"Please enter a correct username and password" in response.content
    assert secret_attempt.encode() not in response.content
    failures = [r for r in caplog.records if r.getMessage() == "login failed"]
    assert len(failures) == 1 and failures[0].username == supervisor.username
    for record in caplog.records:
        assert secret_attempt not in record.getMessage()
        assert secret_attempt not in repr(vars(record))
        assert PASSWORD not in repr(vars(record))


def test_login_and_logout(client, supervisor):
    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, supervisor):
    client.force_login(supervisor)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "An0ther-Long-One", "new_password2": "x"},
    )
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    supervisor.refresh_from_db()
    assert supervisor.check_password(PASSWORD)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-Long-One",
            "new_password2": "An0ther-Long-One",
        },
    )
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.check_password("An0ther-Long-One")


def test_spanish_is_offered_and_used(client, supervisor):
    client.force_login(supervisor)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert "Campañas" in html
    assert "Cerrar sesión" in html


def test_sessions_survive_a_secret_key_rotation_with_the_old_key_as_fallback(
    client, supervisor, settings
):
    settings.SECRET_KEY = "old-secret-key-" * 4
    client.force_login(supervisor)
    absent = Client()
    absent.force_login(supervisor)
    settings.SECRET_KEY = "new-secret-key-" * 4
    settings.SECRET_KEY_FALLBACKS = ["old-secret-key-" * 4]
    assert client.get(reverse("home")).status_code == 200  # the session moves to the new key
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(reverse("home")).status_code == 200
    # A session not used while the fallback was there ends: its user signs in again.
    assert absent.get(reverse("home")).status_code == 302
