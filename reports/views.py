"""The Reports page (SPEC §8): filters, charts, tables and their CSV downloads."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import section_required
from accounts.roles import Section
from campaigns.selectors import agents_for, campaigns_for
from reports import rollups
from reports.filters import parse_filters
from reports.selectors import dialer_report, interactions_report
from reports.tables import TABLES, columns_of, rows_of, to_csv


@section_required(Section.REPORTS)
def reports_page(request: HttpRequest) -> HttpResponse:
    """The page, or with ``download=<table>`` that table as CSV. Bad filters show their
    messages next to the fields (status 400) and no figures."""
    errors: dict[str, list[str]] = {}
    try:
        filters = parse_filters(request.user, request.GET)
    except ValidationError as exc:
        errors = exc.message_dict
        filters = None
    download = request.GET.get("download", "")
    if filters is not None and download in TABLES:
        report = interactions_report(filters)
        dialer = dialer_report(filters) if download == "dialer" else []
        body = to_csv(download, rows_of(download, report, dialer))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"report-{download}-{filters.start}-{filters.end}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "section": Section.REPORTS,
        "errors": errors,
        "values": {
            "start": request.GET.get("start", ""),
            "end": request.GET.get("end", ""),
            "campaign": request.GET.getlist("campaign"),
            "agent": request.GET.getlist("agent"),
        },
        "campaign_choices": campaigns_for(request.user).order_by("name"),
        "agent_choices": agents_for(request.user),
        "time_zone": rollups.zone_name(),
    }
    if filters is not None:
        report = interactions_report(filters)
        dialer = dialer_report(filters)
        query = urlencode(filters.query(), doseq=True)
        context.update(
            filters=filters,
            report=report,
            values={
                **context["values"],
                "start": filters.start.isoformat(),
                "end": filters.end.isoformat(),
            },
            tables=[
                {
                    "key": key,
                    "title": title,
                    "columns": columns_of(key),
                    "rows": rows_of(key, report, dialer),
                    "csv": f"?{query}&download={key}",
                }
                for key, title in (
                    ("campaigns", _("Interactions per campaign")),
                    ("agents", _("Interactions per agent")),
                    ("days", _("Interactions per day")),
                    ("dialer", _("Dialer: spool per campaign and state")),
                )
            ],
            chart_data={
                "days": report.days,
                "campaigns": report.campaigns,
                "dialer": dialer,
                "totals": report.totals,
            },
        )
    status = 400 if errors else 200
    return render(request, "reports/index.html", context, status=status)
