"""SendSMS: third parties queue one message at top priority.

- ``POST /Integra/resources/SMS/SendSMS`` with fields ``destination``, ``message``, ``campaign``
  (name) and optionally ``agent`` (username of a member of the campaign, recorded with the
  message) and ``api`` (as below), as a form or a JSON object;
- the legacy ``GET /Integra/resources/SMS/SendSMS/destination=…&message=…&api=…`` (the same
  fields in the path; ``GET /Integra/resources/SMS/SendSMS?destination=…`` works too).

``api`` is the manual's gateway name. When a provider of the user's has that name the message
goes out through it: the campaign is the one named by ``campaign``, whose dialer must send
through that provider, or, without ``campaign``, the one campaign of the user's whose dialer
does. When no provider has that name it is taken as a campaign name (what older clients send)
if ``campaign`` is missing, and is ignored otherwise. A spool row always goes out through its
campaign's dialer's provider, so the row never takes another route than the one asked for.

Both need ``Authorization: Token <key>``; the answer is ``{"id": …, "state": …}``; a bad request
answers 400 with the field at fault.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import SectionPermission
from accounts.authentication import ApiTokenAuthentication
from accounts.models import User
from accounts.roles import Section
from dialer.sendsms_service import queue_sendsms

FIELDS = ("destination", "message", "campaign", "agent", "api")


def legacy_params(request: Request, decoded: str) -> dict[str, str]:
    """``a=1&b=2`` from the path itself. Read from the raw path when the server gives it, so an
    encoded ``&`` inside the message does not split it; ``+`` stays a plus (numbers use it)."""
    raw = getattr(request._request, "scope", {}).get("raw_path")
    text = raw.decode("latin-1").split("/SendSMS/", 1)[-1] if raw else decoded
    params = {}
    for pair in text.split("&"):
        key, _sep, value = pair.partition("=")
        params[unquote(key)] = unquote(value) if raw else value
    return params


def _text(value: Any) -> str | None:
    """A field's value as text: strings and whole numbers; None for lists, objects, booleans."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def queue_from_fields(user: User, fields: dict[str, Any]) -> Response:
    """Parse the fields (one text value each) and queue the message (``queue_sendsms``)."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for key in FIELDS:
        value = _text(fields.get(key))
        if value is None:
            errors[key] = _("Give one value as text.")
        values[key] = value or ""
    if errors:
        return Response(errors, status=400)
    try:
        row = queue_sendsms(user=user, **values)
    except ValidationError as exc:
        return Response(
            {field: " ".join(messages) for field, messages in exc.message_dict.items()},
            status=400,
        )
    return Response({"id": row.pk, "state": row.state})


QUEUED = inline_serializer(
    "SendSMSQueued", {"id": serializers.IntegerField(), "state": serializers.IntegerField()}
)
FIELD_ERRORS = OpenApiResponse(
    inline_serializer(
        "SendSMSErrors", {key: serializers.CharField(required=False) for key in FIELDS}
    ),
    description="The fields at fault, each with its reason.",
)
SEND_REQUEST = inline_serializer(
    "SendSMSRequest",
    {
        "destination": serializers.CharField(),
        "message": serializers.CharField(),
        "campaign": serializers.CharField(required=False),
        "agent": serializers.CharField(required=False),
        "api": serializers.CharField(required=False),
    },
)


class SendSMS(APIView):
    http_method_names = ["get", "post", "options"]  # no HEAD: a GET here queues a message
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, SectionPermission]
    section = Section.DIALERS

    @extend_schema(
        request=SEND_REQUEST,
        responses={200: QUEUED, 400: FIELD_ERRORS},
        operation_id="sendsms",
    )
    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}  # a JSON list: no fields
        return queue_from_fields(request.user, {k: data.get(k) for k in FIELDS})

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        """The fields as a query string (``?destination=…``); without them, 400 naming them."""
        return queue_from_fields(request.user, {k: request.query_params.get(k) for k in FIELDS})


class LegacySendSMS(SendSMS):
    """``GET …/SendSMS/destination=…&message=…&api=…``, the manual's form; any other method on
    this path is a 405 (not in the OpenAPI schema)."""

    http_method_names = ["get", "options"]

    @extend_schema(exclude=True)
    def get(self, request: Request, legacy: str) -> Response:
        params = legacy_params(request, legacy)
        return queue_from_fields(request.user, {k: params.get(k, "") for k in FIELDS})
