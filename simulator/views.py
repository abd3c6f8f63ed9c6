"""The Simulator page and its JSON endpoints (session sign-in, CSRF, the SIMULATOR section:
admins and supervisors; campaigns outside the user's groups or not on a sandbox are 404)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import section_required
from accounts.roles import Role, Section
from providers.text import max_length
from simulator.selectors import conversation, message_row, sandbox_campaign_for_user
from simulator.selectors import sandbox_campaigns as campaigns_of
from simulator.services import customer_number, send_as_customer


def _errors(exc: ValidationError) -> JsonResponse:
    return JsonResponse(
        {"errors": {field: messages[0] for field, messages in exc.message_dict.items()}},
        status=400,
    )


@section_required(Section.SIMULATOR)
@require_GET
def simulator_page(request: HttpRequest) -> HttpResponse:
    campaigns = [
        {"id": c.pk, "name": c.name, "did": c.did, "enabled": c.enabled}
        for c in campaigns_of(request.user)
    ]
    return render(
        request,
        "simulator/index.html",
        {
            "section": Section.SIMULATOR,
            "campaigns": campaigns,
            "max_length": max_length(),
            "poll_ms": int(settings.SIMULATOR_POLL_SECONDS * 1000),
            "is_admin": request.user.role == Role.ADMIN,
        },
    )


@section_required(Section.SIMULATOR)
@require_GET
def conversation_json(request: HttpRequest) -> JsonResponse:
    """``?campaign=<id>&number=<as typed>``: the customer's conversation in the campaign."""
    campaign = sandbox_campaign_for_user(user=request.user, pk=request.GET.get("campaign"))
    try:
        number = customer_number(request.GET.get("number", ""))
    except ValidationError as exc:
        return _errors(exc)
    return JsonResponse(conversation(campaign=campaign, number=number))


@section_required(Section.SIMULATOR)
@require_POST
def send_json(request: HttpRequest) -> JsonResponse:
    """``{campaign, number, text}``: a message from the customer (201 with it)."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"errors": {"body": _("The request is not JSON.")}}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"errors": {"body": _("Send a JSON object.")}}, status=400)
    campaign = sandbox_campaign_for_user(user=request.user, pk=data.get("campaign"))
    number, text = data.get("number"), data.get("text")
    if not isinstance(number, str) or not isinstance(text, str):
        field = "number" if not isinstance(number, str) else "text"
        return JsonResponse({"errors": {field: _("Give it as text.")}}, status=400)
    try:
        message = send_as_customer(campaign=campaign, number=number, text=text)
    except ValidationError as exc:
        return _errors(exc)
    return JsonResponse({"number": message.number, "message": message_row(message)}, status=201)
