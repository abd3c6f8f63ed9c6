"""Spool and DNCR CSV uploads: every rule of SPEC §7, checked before anything is stored."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from dialer.counters import counts
from dialer.models import DncrEntry, SpoolRow
from dialer.states import SpoolState as S
from dialer.uploads import check_dncr, check_file_name, ingest_spool, load_dncr
from tests.campaigns.factories import make_campaign


@pytest.fixture
def campsms(supervisor):
    return make_campaign(supervisor, name="campsms", did="")


def write(tmp_path, text, name="spool.csv", encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def load(path, user):
    report, stored = ingest_spool(path, user)
    assert report.ok, report.errors
    return stored


def test_the_manuals_own_example(tmp_path, supervisor, campsms):
    path = write(
        tmp_path, "campsms;098344384;Hey World!;9999;\ncampsms;098344385;Hey World 2!;9999;\n"
    )
    assert load(path, supervisor) == 2
    rows = list(SpoolRow.objects.order_by("position"))
    assert [(r.destination, r.message, r.priority, r.state) for r in rows] == [
        ("098344384", "Hey World!", 9999, S.TO_PROCESS),
        ("098344385", "Hey World 2!", 9999, S.TO_PROCESS),
    ]
    assert rows[0].position < rows[1].position
    assert counts(campsms.pk)[S.TO_PROCESS] == 2


def test_bom_windows_line_endings_blank_lines_and_extra_columns(tmp_path, supervisor, campsms):
    text = "campsms;099000001;Hola Ñandú 😀;1;ID-7;name=Ana;city=MVD\n\n   \ncampsms;099000002;Chau;2\n"
    path = write(tmp_path, text, encoding="utf-8-sig", newline="\r\n")
    assert load(path, supervisor) == 2
    first = SpoolRow.objects.get(destination="099000001")
    assert (first.message, first.idm, first.data) == ("Hola Ñandú 😀", "ID-7", "name=Ana;city=MVD")
    assert SpoolRow.objects.get(destination="099000002").message == "Chau"


@pytest.mark.parametrize(("line", "error"), [
    ("campsms;099000001;Hi", "line 2: 3 columns; expected at least 4"),
    ("nocamp;099000001;Hi;1", "line 2: unknown campaign “nocamp”"),
    ("campsms;099000001;Hi;high", "line 2: the priority “high” is not a whole number"),
    ("campsms;099000001;Hi;-1", "line 2: the priority “-1” is not a whole number"),
    ("campsms;099000001;Write to a@b.com;1", "line 2: forbidden character @ in the message"),
    ("campsms;099000001;He said “hi”;1", "line 2: forbidden characters “ ” in the message"),
    ("campsms;099000001;It´s;1", "line 2: forbidden character ´ in the message"),
    ("campsms;099000001;Hi;1;x\"y", "line 2: forbidden character \" in the idm"),
    ("campsms;;Hi;1", "line 2: the destination is empty"),
    ("campsms;099000001; ;1", "line 2: the message is empty"),
])  # fmt: skip
def test_every_rule_names_the_line_and_stores_nothing(tmp_path, supervisor, campsms, line, error):
    path = write(tmp_path, f"campsms;099000009;ok;1\n{line}\n")
    report = ingest_spool(path, supervisor)[0]
    assert error in report.errors[0], report.errors
    assert SpoolRow.objects.count() == 0


def test_all_errors_are_reported_not_just_the_first(tmp_path, supervisor, campsms):
    path = write(tmp_path, "x;1;a;1\ncampsms;2;b;z\ncampsms;3;c;1\ncampsms;4\n")
    report = ingest_spool(path, supervisor)[0]
    assert [e.split(":")[0] for e in report.errors] == ["line 1", "line 2", "line 4"]


def test_campaign_of_another_group_is_unknown(tmp_path, supervisor, other_supervisor, campsms):
    path = write(tmp_path, "campsms;099;hi;1\n")
    assert ingest_spool(path, other_supervisor)[0].errors == ["line 1: unknown campaign “campsms”"]


def test_not_utf8_names_the_line(tmp_path, supervisor, campsms):
    path = tmp_path / "spool.csv"
    path.write_bytes(b"campsms;099;hi;1\ncampsms;099;caf\xe9;1\n")
    assert ingest_spool(path, supervisor)[0].errors[0].startswith("line 2: not UTF-8 text")


@pytest.mark.parametrize(("name", "error"), [
    ("my spool.csv", "contains spaces"),
    ("spool#1.csv", "characters other than letters"),
    ("a" * 61 + ".csv", "65 characters long"),
])  # fmt: skip
def test_file_names(name, error):
    assert error in check_file_name(name)
    assert check_file_name("campaign_2026-11.csv") is None


def test_big_file_with_a_bad_last_line_stores_nothing(tmp_path, supervisor, campsms):
    body = "".join(f"campsms;0990{i:05d};Message {i};{i % 5}\n" for i in range(100_000))
    path = write(tmp_path, body + "campsms;099;last line is bad;x\n")
    report = ingest_spool(path, supervisor)[0]
    assert report.errors == ["line 100001: the priority “x” is not a whole number"]
    assert report.lines == 100_001
    assert SpoolRow.objects.count() == 0


def test_hundred_thousand_rows_load(tmp_path, supervisor, campsms):
    body = "".join(f"campsms;0990{i:05d};Message {i};{i % 5}\n" for i in range(100_000))
    assert load(write(tmp_path, body), supervisor) == 100_000
    assert SpoolRow.objects.count() == 100_000
    assert counts(campsms.pk)[S.TO_PROCESS] == 100_000
    last = SpoolRow.objects.order_by("-position").first()
    assert last.destination == "099099999"


def test_load_spool_command_prints_every_error_and_exits_non_zero(
    tmp_path, admin, supervisor, campsms
):
    path = write(tmp_path, "campsms;099;ok;1\ncampsms;099;bad;x\nnope;099;hi;1\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("load_spool", str(path), stderr=err)
    assert "spool.csv: line 2: the priority “x” is not a whole number" in err.getvalue()
    assert "spool.csv: line 3: unknown campaign “nope”" in err.getvalue()
    assert SpoolRow.objects.count() == 0
    good = write(tmp_path, "campsms;099;ok;1\n", name="good.csv")
    out = io.StringIO()
    call_command("load_spool", str(good), stdout=out)
    assert "1 rows loaded" in out.getvalue()


def test_dncr_upload(tmp_path, admin, supervisor, campsms):
    # An empty campaign (every campaign) is the admins' (tests/dialer/test_dncr.py).
    path = write(tmp_path, "098344484;;\n+59899000111;campsms;\n098344484;campsms\n")
    assert check_dncr(path, admin).ok
    assert load_dncr(path, admin) == 3
    assert set(DncrEntry.objects.values_list("number", "campaign__name")) == {
        ("+59898344484", None),
        ("+59899000111", "campsms"),
        ("+59898344484", "campsms"),
    }
    assert load_dncr(path, admin) == 0  # loading again adds nothing
    bad = write(tmp_path, "hello;;\n099;nocamp;\n", name="dncr.csv")
    assert check_dncr(bad, admin).errors == [
        "line 1: “hello” is not a phone number",
        "line 2: unknown campaign “nocamp”",
    ]


def test_one_pass_ingest_rolls_back_a_file_with_a_bad_line(tmp_path, supervisor, campsms):
    from dialer.uploads import ingest_spool

    body = "".join(
        f"campsms;0990{i:05d};Tab\there \\ and a newline-free text {i};1\n" for i in range(30_000)
    )
    report, stored = ingest_spool(write(tmp_path, body + "campsms;099;bad;x\n"), supervisor)
    assert stored == 0 and report.errors == ["line 30001: the priority “x” is not a whole number"]
    assert SpoolRow.objects.count() == 0 and counts(campsms.pk)[S.TO_PROCESS] == 0
    report, stored = ingest_spool(write(tmp_path, body, name="ok.csv"), supervisor)
    assert report.ok and stored == 30_000
    row = SpoolRow.objects.order_by("position").first()
    assert row.message == "Tab\there \\ and a newline-free text 0"
