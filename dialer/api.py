"""REST API: dialers, spool, uploads, DNCR."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import SectionPermission
from accounts.roles import Section
from campaigns.models import Campaign, Schedule
from campaigns.selectors import campaign_for_user, campaigns_for, schedules_for
from contactcenter.filters import MomentFilter
from contactcenter.pagination import IdCursorPagination
from contactcenter.service_errors import drf_errors
from dialer.dncr import add_dncr, delete_dncr, dncr_entries_for
from dialer.models import Dialer, DncrEntry, SpoolRow, SpoolUpload
from dialer.selectors import dialers_for, monitor_status
from dialer.services import (
    DIALER_FIELDS,
    drop_unknown,
    requeue_unknown,
    save_dialer,
    start_dialer,
    stop_dialer,
)
from dialer.states import SpoolState
from dialer.upload_jobs import progress_of, receive_upload
from providers.models import Provider


def upload_response(request: Request, kind: str) -> Response:
    """Store a multipart ``file`` and queue its check and load: 202 with its progress."""
    file = request.FILES.get("file")
    if file is None:
        return Response({"file": ["Attach the CSV file as “file”."]}, status=400)
    try:
        upload = receive_upload(user=request.user, file=file, kind=kind)
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc
    return Response(progress_of(upload), status=status.HTTP_202_ACCEPTED)


class DialerSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all())
    schedules = serializers.PrimaryKeyRelatedField(
        queryset=Schedule.objects.all(), many=True, required=False
    )
    time_between_messages = serializers.IntegerField(required=False)

    class Meta:
        model = Dialer
        fields = ["id", *DIALER_FIELDS, "schedules", "running"]
        read_only_fields = ["running"]
        extra_kwargs = {"name": {"validators": []}, "campaign": {"validators": []}}
        validators = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:  # only the schedules of the user's groups
            fields["schedules"].child_relation.queryset = schedules_for(user)
        return fields

    def _save(self, dialer: Dialer | None, data: dict[str, Any]) -> Dialer:
        schedules = data.pop("schedules", None)
        try:
            return save_dialer(
                user=self.context["request"].user, dialer=dialer, values=data, schedules=schedules
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def create(self, validated_data: dict[str, Any]) -> Dialer:
        return self._save(None, validated_data)

    def update(self, instance: Dialer, validated_data: dict[str, Any]) -> Dialer:
        return self._save(instance, validated_data)


class DialerViewSet(viewsets.ModelViewSet):
    section = Section.DIALERS
    permission_classes = [SectionPermission]
    serializer_class = DialerSerializer

    def get_queryset(self) -> QuerySet[Dialer]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Dialer.objects.none()
        return dialers_for(self.request.user).prefetch_related("schedules")

    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        try:
            dialer = start_dialer(dialer=self.get_object())
        except DjangoValidationError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(dialer).data)

    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(stop_dialer(dialer=self.get_object())).data)


class SpoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpoolRow
        fields = [
            "id",
            "campaign",
            "destination",
            "message",
            "priority",
            "position",
            "state",
            "idm",
            "data",
            "provider_message_id",
            "attempts",
            "error",
            "segments",
            "port",
            "fate_unknown",
            "created_at",
            "updated_at",
            "sent_at",
            "delivery_status",
        ]


class UploadFileSerializer(serializers.Serializer):
    file = serializers.FileField()


class RowsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


def _user_campaigns(request: Request | None) -> QuerySet[Campaign]:
    return campaigns_for(request.user) if request is not None else Campaign.objects.none()


class SpoolFilter(django_filters.FilterSet):
    """Spool filters: a value that does not parse is a 400 naming the parameter."""

    campaign = django_filters.ModelChoiceFilter(
        queryset=_user_campaigns, help_text=_("Campaign id (one of yours).")
    )
    state = django_filters.ChoiceFilter(
        choices=SpoolState.choices, help_text=_("Spool state code (0–6).")
    )
    destination = django_filters.CharFilter()
    created_after = MomentFilter(
        field_name="created_at", lookup_expr="gte", help_text=_("ISO date or datetime.")
    )
    created_before = MomentFilter(
        field_name="created_at", lookup_expr="lt", help_text=_("ISO date or datetime.")
    )

    class Meta:
        model = SpoolRow
        fields = ["campaign", "state", "destination", "created_after", "created_before"]


class UploadProgressSerializer(serializers.Serializer):
    """What ``progress_of`` answers for an upload (documentation only)."""

    id = serializers.IntegerField()
    file_name = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(choices=SpoolUpload.State.choices)
    phase = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    rows_loaded = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())


UPLOAD_RESPONSES = {202: UploadProgressSerializer, 400: OpenApiResponse(description="Bad file.")}


class SpoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The spool in entry order (by id, cursor pages: no count over millions of rows), filtered
    by ``campaign``, ``state``, ``destination``, ``created_after``, ``created_before``."""

    section = Section.DIALERS
    permission_classes = [SectionPermission]
    serializer_class = SpoolSerializer
    pagination_class = IdCursorPagination
    filterset_class = SpoolFilter

    def get_queryset(self) -> QuerySet[SpoolRow]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return SpoolRow.objects.none()
        return SpoolRow.objects.filter(campaign__in=campaigns_for(self.request.user)).order_by("id")

    @extend_schema(
        request={"multipart/form-data": UploadFileSerializer}, responses=UPLOAD_RESPONSES
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        return upload_response(request, "spool")

    @extend_schema(responses={200: UploadProgressSerializer, 404: OpenApiResponse()})
    @action(detail=False, methods=["get"], url_path=r"uploads/(?P<upload_id>\d+)")
    def upload_status(self, request: Request, upload_id: str) -> Response:
        upload = SpoolUpload.objects.filter(pk=upload_id, uploaded_by=request.user).first()
        if upload is None:
            return Response({"detail": _("No such upload.")}, status=404)
        return Response(progress_of(upload))

    def _rows_action(self, request: Request, service: Any) -> Response:
        body = RowsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = campaign_for_user(user=request.user, pk=body.validated_data["campaign"])
        count = service(campaign=campaign, row_ids=body.validated_data["ids"])
        return Response({"changed": count, **monitor_status(campaign)})

    @action(detail=False, methods=["post"])
    def requeue(self, request: Request) -> Response:
        return self._rows_action(request, requeue_unknown)

    @action(detail=False, methods=["post"])
    def drop(self, request: Request) -> Response:
        return self._rows_action(request, drop_unknown)


class DncrSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), allow_null=True, required=False
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:  # another group's: as if none existed
            fields["campaign"].queryset = campaigns_for(user)
        return fields

    class Meta:
        model = DncrEntry
        fields = ["id", "number", "campaign", "created_at"]
        validators = []  # an entry that exists already is answered as it is (add_dncr)

    def create(self, validated_data: dict[str, Any]) -> DncrEntry:
        campaign = validated_data.get("campaign")
        try:
            return add_dncr(
                user=self.context["request"].user,
                number=validated_data["number"],
                campaign_id=campaign.pk if campaign else None,
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc


class DncrViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Entries of the user's campaigns and the global ones; global entries (no campaign) are
    added and removed by admins only (403 for anyone else)."""

    section = Section.DIALERS
    permission_classes = [SectionPermission]
    serializer_class = DncrSerializer

    def get_queryset(self) -> QuerySet[DncrEntry]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return DncrEntry.objects.none()
        return dncr_entries_for(self.request.user).order_by("number")

    def perform_destroy(self, instance: DncrEntry) -> None:
        delete_dncr(entry=instance, user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": UploadFileSerializer}, responses=UPLOAD_RESPONSES
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        return upload_response(request, "dncr")
