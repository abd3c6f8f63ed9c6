"""Spanish is complete: every message has a translation, and the portal's pages, provider types,
upload errors and service errors read in Spanish when Spanish is chosen."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from dialer.models import SpoolRow
from dialer.services import save_dialer
from dialer.states import SpoolState
from dialer.uploads import ingest_spool
from providers.adapters import registry
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import dialer_for, gateway

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def entries(domain: str) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(LOCALE / f"{domain}.po")) if not e.obsolete]


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return entry.msgid, entry.msgid_plural or ""


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_is_translated_and_none_is_fuzzy(domain):
    found = entries(domain)
    assert found, f"{domain}.po has no entries"
    untranslated = [e.msgid for e in found if not e.translated()]
    fuzzy = [e.msgid for e in found if "fuzzy" in e.flags]
    assert untranslated == [], f"untranslated in {domain}.po: {untranslated}"
    assert fuzzy == [], f"fuzzy in {domain}.po: {fuzzy}"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_catalogue_is_compiled_from_the_po_file(domain):
    """The .mo is committed: it must carry every translation of the .po (run compilemessages)."""
    compiled = {
        key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(LOCALE / f"{domain}.mo"))
    }
    for entry in entries(domain):
        assert key(entry) in compiled, f"{entry.msgid!r} is not in {domain}.mo"
        msgstr, plural = compiled[key(entry)]
        if entry.msgid_plural:
            assert {int(k): v for k, v in plural.items()} == {
                int(k): v for k, v in entry.msgstr_plural.items()
            }, entry.msgid
        else:
            assert msgstr == entry.msgstr, entry.msgid


def test_plural_messages_have_every_spanish_form():
    for domain in ("django", "djangojs"):
        for entry in entries(domain):
            if entry.msgid_plural:
                assert sorted(entry.msgstr_plural) == [0, 1, 2], entry.msgid
                assert all(entry.msgstr_plural.values()), entry.msgid


TECHNICAL_NAMES = {"HTTP Digest", "HTTP Basic", "JSON (application/json)"} | {
    f"{hash_} HMAC" for hash_ in ("MD5", "SHA-1", "SHA-256", "SHA-512")
}


def test_provider_type_names_field_labels_help_and_choices_are_spanish():
    identical = {e.msgid for e in entries("django") if e.msgstr == e.msgid}  # names kept as is
    checked = 0
    for adapter in registry().values():
        texts = [adapter.label]
        for spec in adapter.fields:
            texts += [spec.label, spec.help, *(label for _, label in spec.choices)]
        for text in texts:
            if not text:
                continue
            with translation.override("en"):
                english = str(text)
            with translation.override("es"):
                spanish = str(text)
            checked += 1
            assert (
                spanish != english
                or english in identical
                or english == adapter.label
                or english in TECHNICAL_NAMES
            ), f"{adapter.api_type}: “{english}” is not translated"
    assert checked > 60
    with translation.override("es"):
        labels = {str(cls.label) for cls in registry().values()}
    assert "URL GET con autenticación básica" in labels and "Gateway Dinstar" in labels


def test_csv_upload_errors_are_spanish_with_plural_forms(supervisor, tmp_path):
    make_campaign(supervisor, name="campsms")
    path = tmp_path / "bad.csv"
    path.write_text(
        "campsms;099000001\n"  # 2 columns
        "campsms\n"  # 1 column
        "nocamp;099000001;Hola;1\n"
        "campsms;099000001;Escriba a a@b.com;x\n"
        "campsms;099000001;“hola”;1\n",
        encoding="utf-8",
    )
    with translation.override("es"):
        errors = ingest_spool(path, supervisor)[0].errors
    assert errors == [
        "línea 1: 2 columnas; se esperaban al menos 4: campaña;destino;mensaje;prioridad",
        "línea 2: 1 columna; se esperaban al menos 4: campaña;destino;mensaje;prioridad",
        "línea 3: campaña desconocida “nocamp”",
        "línea 4: la prioridad “x” no es un número entero",
        "línea 4: carácter prohibido @ en la columna mensaje",
        "línea 5: caracteres prohibidos “ ” en la columna mensaje",
    ]
    with translation.override("en"):
        assert ingest_spool(path, supervisor)[0].errors[1].startswith("line 2: 1 column; expected")


def test_service_errors_are_spanish(supervisor):
    provider = gateway("http://127.0.0.1:9")
    campaign = make_campaign(supervisor, name="promo", provider=provider, did="")
    dialer_for(supervisor, provider, campaign=campaign)
    with translation.override("es"), pytest.raises(ValidationError) as caught:
        save_dialer(
            user=supervisor,
            dialer=None,
            values={"name": "", "campaign": campaign, "provider": provider},
            schedules=[],
        )
    assert caught.value.message_dict == {
        "name": ["Dele un nombre al discador."],
        "campaign": ["La campaña “promo” ya tiene un discador."],
    }


# English strings a Spanish page must not show (whole words of the visible text).
ENGLISH = [
    "Campaigns", "Log out", "Dialer monitor", "Fate unknown", "Processed", "Not processed",
    "Mass upload", "Upload", "Waiting for a retry", "Last error", "Next attempt", "Attempts",
    "Download a sample file", "For example", "accepted by the provider", "Requeue", "Drop",
    "Save", "Delete", "Providers", "New provider", "Menu", "Sections", "Page not found",
    "Go back", "Go to the start page", "Not allowed", "You may not open this page", "Status",
    "Active", "Inactive", "Single message", "Send", "Sent", "Failed", "Blocked", "Other",
    "Members", "Schedules", "Add", "Remove", "Tick", "Password", "User", "Sender", "Ports",
    "URL template", "Success pattern", "Message id pattern", "Body template", "Base URL",
    "API key", "Verify the TLS certificate", "Gateway URL", "with basic authentication",
    "Change password", "Keep my API tokens", "API tokens", "Create token", "Language",
    "No such", "the", "and", "is", "of", "or",
]  # fmt: skip
EXAMPLE_LINES = ("campsms;098344384;Hey World!;9999;", "098344384;campsms;")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return unescape(html)


def english_in(html: str) -> list[str]:
    text = visible_text(html)
    return [w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


@pytest.fixture
def spanish(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


def test_the_portal_pages_read_in_spanish(spanish, admin, supervisor):
    provider = gateway("http://127.0.0.1:9", name="Pasarela")
    campaign = make_campaign(supervisor, name="promo", provider=provider, did="")
    dialer_for(supervisor, provider, campaign=campaign)
    SpoolRow.objects.create(
        campaign=campaign, destination="099111222", message="Hola", priority=1, position=1,
        state=SpoolState.SENDING, fate_unknown=True, claim="dead",
    )  # fmt: skip
    spanish.force_login(admin)
    pages = {
        "home": reverse("home"),
        "campaigns": reverse("campaigns:index"),
        "schedules": reverse("campaigns:schedules"),
        "members": reverse("campaigns:members"),
        "dialers": reverse("dialer:index"),
        "monitor": reverse("dialer:monitor") + f"?campaign={campaign.pk}",
        "dncr": reverse("dialer:dncr"),
        "providers": reverse("providers:index"),
        "provider": reverse("providers:edit", args=[provider.pk]),
        "tokens": reverse("api_tokens"),
        "password": reverse("password_change"),
        "404": "/no/such/page/",
    }
    shown = {}
    for name, url in pages.items():
        response = spanish.get(url)
        assert response.status_code == (404 if name == "404" else 200), name
        html = response.content.decode()
        for line in EXAMPLE_LINES:
            html = html.replace(line, "")
        shown[name] = english_in(html)
    assert shown == {name: [] for name in pages}
    monitor = visible_text(spanish.get(pages["monitor"]).content.decode())
    assert "Resultado desconocido: no sabemos si se entregó" in monitor
    assert "Destino desconocido" not in monitor
    assert "Gateway Dinstar" in spanish.get(pages["provider"]).content.decode()


def test_the_403_page_reads_in_spanish(spanish, agent):
    spanish.force_login(agent)
    response = spanish.get(reverse("providers:index"))
    assert response.status_code == 403
    assert english_in(response.content.decode()) == []
    assert "No puede abrir esta página" in response.content.decode()


def test_the_script_catalogue_serves_spanish_plural_forms(spanish, supervisor):
    spanish.force_login(supervisor)
    body = spanish.get(reverse("javascript-catalog")).content.decode()
    assert "filas cargadas desde" in body and "fila cargada desde" in body
    assert "errores; no se guard" in body


def test_the_catalogues_hold_every_string_of_the_source(tmp_path):
    """A string added to the code but not to locale/ fails here: makemessages, run on a copy of
    the source, finds no msgid that the committed .po files lack."""
    root = Path(settings.BASE_DIR)
    skip = shutil.ignore_patterns(".venv", "tests", "bench", "var", "node_modules", ".git", "*.pyc")
    for item in root.iterdir():
        if item.name in {".venv", "tests", "bench", "var", ".git", "docs"}:
            continue
        if item.is_dir():
            shutil.copytree(item, tmp_path / item.name, ignore=skip)
        elif item.suffix == ".py":
            shutil.copy2(item, tmp_path / item.name)
    command = [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete"]
    for extra in ([], ["-d", "djangojs"]):
        subprocess.run(
            [*command, *extra], cwd=tmp_path, check=True, capture_output=True, timeout=300
        )
    for domain in ("django", "djangojs"):
        fresh = polib.pofile(str(tmp_path / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"))
        missing = [e.msgid for e in fresh if not e.obsolete and not e.translated()]
        fuzzy = [e.msgid for e in fresh if "fuzzy" in e.flags]
        assert missing == [] and fuzzy == [], (
            f"run makemessages and translate in {domain}.po: {missing + fuzzy}"
        )
