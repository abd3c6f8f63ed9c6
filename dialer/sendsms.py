"""SendSMS: third parties queue one message at top priority.

- ``POST /Integra/resources/SMS/SendSMS`` with form fields ``destination``, ``message``,
  ``campaign`` (name) and optionally ``agent`` (username, recorded with the message);
- the legacy ``GET /Integra/resources/SMS/SendSMS/destination=…&message=…&api=…``, where ``api``
  names the campaign.
Both need ``Authorization: Token <key>``; the answer is ``{"id": …, "state": …}``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import SectionPermission
from accounts.authentication import ApiTokenAuthentication
from accounts.models import User
from accounts.roles import Role, Section
from campaigns.models import Campaign, CampaignMember
from campaigns.selectors import campaigns_for
from dialer.models import Dialer
from dialer.services import queue_message

PHONE = re.compile(r"^\+?\d{6,15}$")


def legacy_params(request: Request, decoded: str) -> dict[str, str]:
    """``a=1&b=2`` from the path itself. Read from the raw path when the server gives it, so an
    encoded ``&`` inside the message does not split it; ``+`` stays a plus (numbers use it)."""
    raw = getattr(request._request, "scope", {}).get("raw_path")
    text = raw.decode("latin-1").split("/SendSMS/", 1)[-1] if raw else decoded
    params = {}
    for pair in text.split("&"):
        key, _, value = pair.partition("=")
        params[unquote(key)] = unquote(value) if raw else value
    return params


def is_member(campaign: Campaign | None, username: str) -> bool:
    return (
        campaign is not None
        and CampaignMember.objects.filter(
            campaign=campaign, agent__username=username, agent__role=Role.AGENT
        ).exists()
    )


def queue_from_fields(user: User, fields: dict[str, str]) -> Response:
    errors: dict[str, str] = {}
    destination = re.sub(r"[\s().-]", "", fields.get("destination") or "")
    message = fields.get("message") or ""
    name = (fields.get("campaign") or "").strip()
    agent = (fields.get("agent") or "").strip()
    campaign = campaigns_for(user).filter(name=name).first() if name else None
    if not name:
        errors["campaign"] = "Name the campaign."
    elif campaign is None:
        errors["campaign"] = f"Unknown campaign “{name}”."
    if not destination:
        errors["destination"] = "Give a destination number."
    elif not PHONE.match(destination):
        errors["destination"] = f"“{fields.get('destination')}” is not a phone number."
    elif campaign is not None:
        dialer = Dialer.objects.filter(campaign=campaign).select_related("provider").first()
        pattern = dialer.provider.number_regexp if dialer else ""
        if pattern and not re.search(pattern, destination):
            errors["destination"] = f"{destination} does not match the provider's number format."
    if not message.strip():
        errors["message"] = "The message is empty."
    if agent and not is_member(campaign, agent):
        # One answer for unknown agents and for agents of other campaigns: nothing to learn.
        errors["agent"] = _("“%(agent)s” is not an agent of this campaign.") % {"agent": agent}
    if errors:
        return Response(errors, status=400)
    try:
        row = queue_message(
            campaign=campaign,
            destination=destination,
            message=message,
            data=f"agent={agent}" if agent else "",
        )
    except ValidationError as exc:
        return Response(exc.message_dict, status=400)
    return Response({"id": row.pk, "state": row.state})


class SendSMS(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, SectionPermission]
    section = Section.DIALERS

    def post(self, request: Request) -> Response:
        return queue_from_fields(
            request.user,
            {k: request.data.get(k, "") for k in ("destination", "message", "campaign", "agent")},
        )

    def get(self, request: Request, legacy: str) -> Response:
        params = legacy_params(request, legacy)
        return queue_from_fields(
            request.user,
            {
                "destination": params.get("destination", ""),
                "message": params.get("message", ""),
                "campaign": params.get("api", ""),
            },
        )
