"""REST API: ``GET /api/v1/reports/interactions`` and ``GET /api/v1/reports/dialer`` (JSON),
with the page's filters and scoping (SPEC §8)."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import SectionPermission
from accounts.roles import Section
from contactcenter.service_errors import drf_errors
from reports import rollups
from reports.filters import ReportFilters, parse_filters
from reports.selectors import dialer_report, interactions_report

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 6 days ago)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)"),
    OpenApiParameter("campaign", OpenApiTypes.INT, many=True, description="Repeatable"),
    OpenApiParameter("agent", OpenApiTypes.INT, many=True, description="Repeatable"),
]


RESPONSES = {
    200: OpenApiTypes.OBJECT,
    404: OpenApiResponse(
        OpenApiTypes.OBJECT, description="A campaign or agent outside the user's groups."
    ),
}


def _filters(request: Request) -> ReportFilters:
    try:
        return parse_filters(request.user, request.query_params)
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc


def _head(filters: ReportFilters) -> dict:
    return {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "time_zone": rollups.zone_name(),
        "campaigns_covered": list(filters.campaigns),
        "agents": list(filters.agents),
    }


class InteractionsReportView(APIView):
    """Interactions per campaign, per agent and per day, with totals."""

    permission_classes = [SectionPermission]
    section = Section.REPORTS

    @extend_schema(parameters=PARAMETERS, responses=RESPONSES)
    def get(self, request: Request) -> Response:
        filters = _filters(request)
        report = interactions_report(filters)
        body = {**_head(filters), **dataclasses.asdict(report)}
        body["by_campaign"] = body.pop("campaigns")
        body["by_agent"] = body.pop("agents")
        body["by_day"] = body.pop("days")
        return Response(body)


class DialerReportView(APIView):
    """Spool rows per campaign and state with their delivery status."""

    permission_classes = [SectionPermission]
    section = Section.REPORTS

    @extend_schema(parameters=PARAMETERS, responses=RESPONSES)
    def get(self, request: Request) -> Response:
        filters = _filters(request)
        return Response({**_head(filters), "rows": dialer_report(filters)})
