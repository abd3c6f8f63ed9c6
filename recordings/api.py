"""REST API of the recordings (``/api/v1/recordings/``, ``/api/v1/exports/``).

Thin views: the filters are checked by ``recordings.filters`` (a 400 naming the field), reads
come from ``recordings.selectors`` scoped by who asks (``conversations.selectors``: 404 for an
interaction the user may not see), exports from ``recordings.exports``. Downloads are ordinary
API responses, so a session or an API token opens them alike.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.pagination import whole_number
from contactcenter.service_errors import Conflict, drf_errors
from conversations.selectors import interaction_for_user
from recordings import exports, transcript
from recordings.filters import parse_filters
from recordings.models import ExportJob
from recordings.selectors import BadCursor, display_name, outcome, page_of


def filters_of(request: Request):  # noqa: ANN201
    try:
        return parse_filters(request.query_params)
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc


def recording_row(row: Any) -> dict[str, Any]:
    """One interaction as a row of the recordings list (the page shows the same)."""
    return {
        "id": row.pk,
        "opened_at": row.opened_at,
        "closed_at": row.closed_at,
        "number": row.number,
        "campaign": {"id": row.campaign_id, "name": row.campaign.name},
        "agents": [{"id": a.pk, "name": display_name(a)} for a in row.agents],
        "messages": row.message_count,
        "state": row.state,
        "origin": row.origin,
        **outcome(row),
    }


FILTER_PARAMETERS = [
    OpenApiParameter("start", str, description="Opened on or after (ISO date or date-time)."),
    OpenApiParameter("end", str, description="Opened before the end of (ISO date or date-time)."),
    OpenApiParameter("origin", str, description="The customer's number, any spelling."),
    OpenApiParameter("campaign", int, many=True, description="Campaign id (repeatable)."),
    OpenApiParameter("agent", int, many=True, description="Agent id (repeatable)."),
    OpenApiParameter("q", str, description="Words in the messages' text."),
]


class RecordingList(APIView):
    """Interactions newest first, one keyset page (``cursor``) at a time, with an estimated
    total (never an exact count over millions of rows)."""

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int, description="1 to 200, 25 by default."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(request)
        size = whole_number(request, "limit", 200, minimum=1) or 25
        cursor = request.query_params.get("cursor", "")
        try:
            page = page_of(request.user, filters, cursor, size)
        except BadCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from exc
        following = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {
                "estimated_total": page.estimate,
                "next": following,
                "results": [recording_row(row) for row in page.rows],
            }
        )


class JsonAnswers:
    """Answers JSON whatever ``format`` says: ``format=txt|csv`` picks the download here, and
    errors (404, 400) stay JSON as documented (DRF would render them with a renderer picked by
    ``format``, or refuse an unknown one with a 404)."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        return renderers.JSONRenderer(), "application/json"


class TranscriptView(JsonAnswers, APIView):
    """One conversation: JSON (default), or a download as ``format=txt`` or ``format=csv``."""

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "txt", "csv"])],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/plain"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request, pk: str) -> Any:
        interaction = interaction_for_user(user=request.user, pk=pk)
        fmt = request.query_params.get("format", "json")
        if fmt in ("txt", "csv"):
            write = transcript.as_text if fmt == "txt" else transcript.as_csv
            body = write(interaction)
            kind = "text/plain" if fmt == "txt" else "text/csv"
            response = StreamingHttpResponse(body, content_type=f"{kind}; charset=utf-8")
            name = f"conversation-{interaction.pk}.{fmt}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if fmt != "json":
            raise ValidationError({"format": [_("Choose json, txt or csv.")]})
        return Response(
            {
                "id": interaction.pk,
                "number": interaction.number,
                "campaign": interaction.campaign.name,
                "opened_at": interaction.opened_at,
                "closed_at": interaction.closed_at,
                "messages": [vars(line) for line in transcript.lines_of(interaction)],
            }
        )


class ExportBody(serializers.Serializer):
    kind = serializers.CharField(default=ExportJob.Kind.RECORDINGS)
    filters = serializers.JSONField(default=dict)


def export_row(request: Request, job: ExportJob) -> dict[str, Any]:
    done = job.state == ExportJob.State.DONE
    expired = job.state == ExportJob.State.EXPIRED
    url = reverse("api_export_download", args=[job.pk])
    return {
        "id": job.pk,
        "kind": job.kind,
        "filters": job.filters,
        "state": job.state,
        "progress": job.progress,
        "total": job.total,
        "done": job.done,
        "rows": job.rows,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "download_url": request.build_absolute_uri(url) if done else None,
        "expires_at": exports.expires_at(job),
        "expired": exports.expired_message() if expired else None,
    }


class ExportList(APIView):
    parser_classes = [JSONParser]  # ``filters`` is an object: a form cannot carry it

    @extend_schema(request=ExportBody, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = ExportBody(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = exports.create_export(user=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
        return Response(export_row(request, job), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        jobs = ExportJob.objects.filter(created_by=request.user).order_by("-created_at")[:20]
        return Response({"results": [export_row(request, job) for job in jobs]})


class ExportDetail(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        return Response(export_row(request, exports.export_for_user(user=request.user, pk=pk)))


class ExportRetry(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: str) -> Response:
        job = exports.export_for_user(user=request.user, pk=pk)
        try:
            job = exports.retry_export(user=request.user, job=job)
        except Conflict as exc:
            return Response({"detail": exc.reason}, status=status.HTTP_409_CONFLICT)
        return Response(export_row(request, job))


class ExportDownload(JsonAnswers, APIView):
    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (404, "application/json"): OpenApiTypes.OBJECT,
            (410, "application/json"): OpenApiTypes.OBJECT,
        }
    )
    def get(self, request: Request, pk: str) -> Any:
        job = exports.export_for_user(user=request.user, pk=pk)
        gone = Response({"detail": exports.expired_message()}, status=status.HTTP_410_GONE)
        if job.state == ExportJob.State.EXPIRED:
            return gone
        if job.state != ExportJob.State.DONE or not job.path:
            raise Http404(_("This export has no file (yet)."))
        try:
            opened = default_storage.open(job.path, "rb")
        except FileNotFoundError:  # expired between the read of the job and here
            return gone
        return FileResponse(
            opened,
            as_attachment=True,
            filename=f"recordings-{job.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )
