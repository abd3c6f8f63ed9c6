"""Monitoring pages: the board (its data comes as one JSON snapshot, see monitoring.api) and
the admins' audit log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import section_required
from accounts.roles import Role, Section
from agents.models import BreakType
from campaigns.selectors import campaigns_for
from monitoring import board
from monitoring.selectors import audit_entries


@section_required(Section.MONITORING)
def board_page(request: HttpRequest) -> HttpResponse:
    campaigns = list(campaigns_for(request.user).order_by("name"))
    chosen = board.chosen_campaigns(request.user, request.GET.getlist("campaign"))
    if not chosen and campaigns and "campaign" not in request.GET:
        chosen = campaigns[:1]
    return render(
        request,
        "monitoring/index.html",
        {
            "section": Section.MONITORING,
            "campaigns": campaigns,
            "chosen": [c.pk for c in chosen],
            "break_types": list(BreakType.objects.values("name", "icon")),
        },
    )


@section_required(Section.MONITORING)
def audit_page(request: HttpRequest) -> HttpResponse:
    """Every supervisor action on an agent, newest first (admins only)."""
    if request.user.role != Role.ADMIN:
        raise PermissionDenied
    page = Paginator(audit_entries(), 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/audit.html", {"section": Section.MONITORING, "page": page})
