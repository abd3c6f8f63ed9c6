"""Saving and deleting providers: default rules, validation, secrets at rest."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from providers.adapters import adapter_class, registry
from providers.models import Provider
from providers.services import delete_provider, save_provider
from tests.providers.factories import twilio_provider, url_provider

URL = "http://127.0.0.1:9/send?to={destination}&text={message}"


def defaults():
    return list(Provider.objects.filter(is_default=True).values_list("name", flat=True))


def test_first_provider_becomes_default(db):
    twilio_provider("A")
    url_provider("B", URL)
    assert defaults() == ["A"]


def test_choosing_another_default_unmarks_the_old(db):
    twilio_provider("A")
    b = url_provider("B", URL)
    save_provider(provider=b, values={"is_default": True}, secrets={})
    assert defaults() == ["B"]


def test_unmarking_the_only_default_keeps_one(db):
    a = twilio_provider("A", is_default=True)
    save_provider(provider=a, values={"is_default": False}, secrets={})
    assert defaults() == ["A"]


def test_deleting_the_default_makes_the_first_remaining_default(db):
    twilio_provider("A")
    b = url_provider("B", URL)
    url_provider("C", URL)
    save_provider(provider=b, values={"is_default": True}, secrets={})
    delete_provider(provider=Provider.objects.get(name="B"))
    assert defaults() == ["A"]
    delete_provider(provider=Provider.objects.get(name="A"))
    assert defaults() == ["C"]


def test_the_database_refuses_two_defaults(db):
    from django.db import IntegrityError, transaction

    twilio_provider("A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(name="X", api_type="URLSMS", endpoint=URL, is_default=True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_leave_exactly_one_default():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    errors = []

    def create(i):
        try:
            url_provider(f"P{i}", URL, is_default=True)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Provider.objects.count() == 8
    assert len(defaults()) == 1


def test_secrets_are_encrypted_at_rest_and_kept_when_left_empty(db):
    provider = twilio_provider("A")
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM providers_provider WHERE id = %s", [provider.pk])
        stored = cursor.fetchone()[0]
    assert "twilio-token" not in stored and stored.startswith("gAAAA")
    save_provider(provider=provider, values={"sender": "+15550002222"}, secrets={"password": ""})
    provider.refresh_from_db()
    assert provider.password == "twilio-token" and provider.sender == "+15550002222"


def test_secret_settings_are_encrypted_too(db):
    provider = save_provider(
        provider=None,
        values={"name": "WA", "api_type": "WhatsAppCloud", "settings": {"phone_number_id": "PN1"}},
        secrets={"password": "wa-token", "app_secret": "very-secret-app"},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT settings, secret_settings FROM providers_provider WHERE id = %s", [provider.pk]
        )
        plain, secret = cursor.fetchone()
    assert "very-secret-app" not in str(plain) + secret
    assert provider.get_secret_settings() == {"app_secret": "very-secret-app"}
    assert provider.settings["api_version"] == "v21.0"  # the type's default is filled in


@pytest.mark.parametrize(
    ("values", "secrets", "field", "message"),
    [
        ({"api_type": "Twilio", "username": "AC1", "sender": "+1"}, {}, "password",
         "Auth token is required for Twilio."),
        ({"api_type": "Twilio", "password": "x"}, {"password": "t"}, "username",
         "Account SID is required for Twilio."),
        ({"api_type": "InfoBip"}, {"password": "k"}, "endpoint", "Base URL is required"),
        ({"api_type": "DinstarWeb", "endpoint": "https://gw", "username": "a"},
         {"password": "p"}, "ports", "Ports is required"),
        ({"api_type": "DinstarWeb", "endpoint": "https://gw", "username": "a", "ports": "5-2"},
         {"password": "p"}, "ports", "goes backwards"),
        ({"api_type": "URLSMS", "endpoint": URL, "number_regexp": "^(09\\d{7}$"}, {},
         "number_regexp", "Not a valid regular expression"),
        ({"api_type": "URLSMS", "endpoint": "http://x/send?to={destinaton}"}, {}, "endpoint",
         "Unknown placeholder {destinaton}"),
        ({"api_type": "URLSMS", "endpoint": "ftp://x/{destination}"}, {}, "endpoint",
         "must start with http"),
        ({"api_type": "URLPOSTSMS", "endpoint": "http://x/s",
          "settings": {"body_template": '{"to": {destination}', "content_type": "json"}}, {},
         "settings.body_template", "Not valid JSON"),
        ({"api_type": "Nexmo", "username": "k", "sender": "A", "endpoint": "http://x"},
         {"password": "s"}, "endpoint", "https only"),
        ({"api_type": "Nope"}, {}, "api_type", "Unknown API type"),
        ({"api_type": "URLSMS", "endpoint": URL, "settings": {"colour": "red"}}, {}, "settings",
         "Unknown setting “colour” for URLSMS"),
        ({"api_type": "URLSMS", "endpoint": URL, "encoding": "UTF8"}, {}, "encoding",
         "Choose auto, GSM7 or UCS2"),
    ],
)  # fmt: skip
def test_bad_configuration_is_refused_with_a_field_error_and_nothing_stored(
    db, values, secrets, field, message
):
    with pytest.raises(ValidationError) as caught:
        save_provider(provider=None, values={"name": "Bad", **values}, secrets=secrets)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert not Provider.objects.exists()


def test_duplicate_name_is_refused(db):
    twilio_provider("Same")
    with pytest.raises(ValidationError) as caught:
        url_provider("Same", URL)
    assert caught.value.message_dict == {"name": ["A provider with this name exists."]}


def test_an_update_that_fails_changes_nothing(db):
    provider = url_provider("A", URL, number_regexp="^09")
    with pytest.raises(ValidationError):
        save_provider(provider=provider, values={"number_regexp": "(", "sender": "X"}, secrets={})
    provider.refresh_from_db()
    assert provider.number_regexp == "^09" and provider.sender == ""


def valid_values(api_type):
    """A configuration that saves, for every api_type (the wire cases' configurations)."""
    from tests.providers.adapters.cases import CASES

    config = CASES[api_type].config("https://provider.example.com")
    values = {"name": api_type, "api_type": api_type, "endpoint": config.endpoint,
              "username": config.username, "sender": config.sender, "ports": config.ports,
              "settings": dict(config.settings)}  # fmt: skip
    return values, {"password": config.password}


def required_fields():
    return [(t, f.name) for t, a in sorted(registry().items()) for f in a.fields if f.required]


@pytest.mark.parametrize(("api_type", "field"), required_fields())
def test_every_required_field_of_every_type_is_enforced(db, api_type, field):
    values, secrets = valid_values(api_type)
    save_provider(provider=None, values=values, secrets=secrets)  # complete: saves
    Provider.objects.all().delete()
    if field == "password":
        secrets = {}
    elif field.startswith("settings."):
        del values["settings"][field.removeprefix("settings.")]
    else:
        values[field] = ""
    with pytest.raises(ValidationError) as caught:
        save_provider(provider=None, values=values, secrets=secrets)
    label = next(s.label for s in adapter_class(api_type).fields if s.name == field)
    assert caught.value.message_dict[field] == [f"{label} is required for {api_type}."]
    assert not Provider.objects.exists()


# ----------------------------------------------------------------- one rule, three doors (9.10)
BAD_VALUES = [
    ("connect_timeout", 0, "Give a number of seconds between 0.1 and 120."),
    ("read_timeout", 121, "Give a number of seconds between 0.1 and 120."),
    ("read_timeout", 0.05, "Give a number of seconds between 0.1 and 120."),
    ("number_regexp", "^(09", "Not a valid regular expression: missing ), unterminated subpattern"),
    ("api_type", "Nope", "Unknown API type “Nope”"),
]


def _url_values(**extra):
    return {"name": "Gateway", "api_type": "URLSMS", "endpoint": URL, "encoding": "auto",
            "connect_timeout": 5, "read_timeout": 15, **extra}  # fmt: skip


def _through_service(field, value):
    with pytest.raises(ValidationError) as caught:
        save_provider(provider=None, values=_url_values(**{field: value}), secrets={})
    return caught.value.message_dict[field]


def _through_api(client, admin, field, value):
    from accounts.tokens import create_api_token

    _token, key = create_api_token(user=admin, name="t")
    response = client.post("/api/v1/providers/", _url_values(**{field: value}),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    assert response.status_code == 400
    return response.json()[field]


def _through_form(client, admin, field, value):
    client.force_login(admin)
    response = client.post("/providers/", _url_values(**{field: value}))
    assert response.status_code == 200
    return response.context["form"].errors[field]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_the_same_bad_value_gets_the_same_message_through_form_api_and_service(
    client, admin, field, value, message
):
    by_service = _through_service(field, value)
    by_api = _through_api(client, admin, field, value)
    if field == "api_type":  # the page offers a list: a value outside it is the list's error
        assert by_service == by_api and message in by_service[0]
        return
    by_form = _through_form(client, admin, field, value)
    assert by_service == by_api == by_form
    assert by_service[0].startswith(message)
    assert not Provider.objects.exists()
