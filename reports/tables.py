"""The report's tables as headed columns (the page, the CSV downloads), and CSV that a
spreadsheet cannot mistake for formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from reports.selectors import InteractionsReport

TABLES = ("campaigns", "agents", "days", "dialer")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def figure_columns() -> list[tuple[str, str]]:
    return [
        ("received", _("Received")),
        ("answered", _("Answered")),
        ("abandoned", _("Abandoned")),
        ("service_level", _("Service level %")),
        ("first_response_avg", _("Avg first response (s)")),
        ("first_response_p90", _("p90 first response (s)")),
        ("handling_avg", _("Avg handling time (s)")),
        ("messages_in", _("Messages in")),
        ("messages_out", _("Messages out")),
        ("segments_out", _("Segments sent")),
    ]


def columns_of(table: str) -> list[tuple[str, str]]:
    """(key, heading) of each column of ``table``."""
    if table == "campaigns":
        return [("campaign", _("Id")), ("name", _("Campaign")), *figure_columns()]
    if table == "agents":
        heads = dict(figure_columns())
        heads["received"] = _("Interactions")
        return [("agent", _("Id")), ("name", _("Agent")), *heads.items()]
    if table == "days":
        return [("day", _("Day")), *figure_columns()]
    if table == "dialer":
        return [
            ("campaign", _("Id")),
            ("name", _("Campaign")),
            ("state", _("State")),
            ("state_label", _("State name")),
            ("total", _("Rows")),
            ("sent", _("Sent")),
            ("delivered", _("Delivered")),
            ("failed", _("Failed")),
            ("unknown", _("Unknown")),
        ]
    raise ValueError(table)


def rows_of(table: str, report: InteractionsReport, dialer: list[dict[str, Any]]) -> list[dict]:
    return {
        "campaigns": report.campaigns,
        "agents": report.agents,
        "days": report.days,
        "dialer": dialer,
    }[table]


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a string starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe, so a campaign or agent named ``=HYPERLINK(…)`` is never
    run as a formula. Numbers are left as they are; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: str, rows: Iterable[dict[str, Any]]) -> str:
    columns = columns_of(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(str(heading)) for _key, heading in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(key)) for key, _heading in columns])
    return out.getvalue()
