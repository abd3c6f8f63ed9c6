"""REST API: dialers, spool, uploads, DNCR."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import SectionPermission
from accounts.roles import Section
from campaigns.models import Campaign, Schedule
from campaigns.selectors import campaign_for_user, campaigns_for, schedules_for
from dialer.dncr import add_dncr, delete_dncr, dncr_entries_for
from dialer.models import Dialer, DncrEntry, SpoolRow, SpoolUpload
from dialer.selectors import monitor_status
from dialer.services import (
    DIALER_FIELDS,
    dialers_for,
    drop_unknown,
    requeue_unknown,
    save_dialer,
    start_dialer,
    stop_dialer,
)
from dialer.upload_jobs import progress_of, receive_upload
from providers.api import drf_errors
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


class RowsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class SpoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The spool, filtered by ``campaign``, ``state``, ``destination``, ``created_after``,
    ``created_before`` (ISO dates or datetimes)."""

    section = Section.DIALERS
    permission_classes = [SectionPermission]
    serializer_class = SpoolSerializer

    def get_queryset(self) -> QuerySet[SpoolRow]:
        rows = SpoolRow.objects.filter(campaign__in=campaigns_for(self.request.user))
        params = self.request.query_params
        errors = {}
        for name, lookup in (("campaign", "campaign_id"), ("state", "state")):
            if params.get(name):
                if not params[name].isdigit():
                    errors[name] = f"“{params[name]}” is not a number."
                else:
                    rows = rows.filter(**{lookup: int(params[name])})
        if params.get("destination"):
            rows = rows.filter(destination=params["destination"])
        for name, lookup in (
            ("created_after", "created_at__gte"),
            ("created_before", "created_at__lt"),
        ):
            if params.get(name):
                value = parse_datetime(params[name]) or parse_date(params[name])
                if value is None:
                    errors[name] = f"“{params[name]}” is not a date (YYYY-MM-DD) or a datetime."
                else:
                    rows = rows.filter(**{lookup: value})
        if errors:
            raise serializers.ValidationError(errors)
        return rows.order_by("priority", "position")

    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        return upload_response(request, "spool")

    @action(detail=False, methods=["get"], url_path=r"uploads/(?P<upload_id>\d+)")
    def upload_status(self, request: Request, upload_id: str) -> Response:
        upload = SpoolUpload.objects.filter(pk=upload_id, uploaded_by=request.user).first()
        if upload is None:
            return Response({"detail": "No such upload."}, status=404)
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
        return dncr_entries_for(self.request.user).order_by("number")

    def perform_destroy(self, instance: DncrEntry) -> None:
        delete_dncr(entry=instance, user=self.request.user)

    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        return upload_response(request, "dncr")
