"""REST API: /api/v1/campaigns/, /api/v1/schedules/, /api/v1/campaigns/{id}/members/."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import SectionPermission
from accounts.models import SecurityGroup, User
from accounts.roles import Section
from campaigns.models import Campaign, Schedule
from campaigns.selectors import campaigns_for
from campaigns.services import (
    CAMPAIGN_FIELDS,
    add_members,
    delete_campaign,
    delete_schedule,
    remove_members,
    save_campaign,
    save_schedule,
)
from providers.api import drf_errors
from providers.models import Provider


class PresetSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, allow_blank=True)
    text = serializers.CharField(max_length=1600, allow_blank=True, trim_whitespace=False)


class CampaignSerializer(serializers.ModelSerializer):
    security_group = serializers.PrimaryKeyRelatedField(queryset=SecurityGroup.objects.all())
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all())
    schedules = serializers.PrimaryKeyRelatedField(
        queryset=Schedule.objects.all(), many=True, required=False
    )
    preset_responses = PresetSerializer(many=True, required=False)
    # Ranges are the service's to check, so pages and API word them alike.
    service_level = serializers.IntegerField(required=False)
    threshold_service_level = serializers.IntegerField(required=False)
    threshold_abandon = serializers.IntegerField(required=False)
    threshold_chat_time = serializers.IntegerField(required=False)
    threshold_acd = serializers.IntegerField(required=False)
    max_interactions_per_agent = serializers.IntegerField(required=False)
    strategy = serializers.CharField(required=False)

    class Meta:
        model = Campaign
        fields = ["id", *CAMPAIGN_FIELDS, "schedules", "preset_responses"]
        extra_kwargs = {"name": {"validators": []}}
        validators = []

    def to_representation(self, campaign: Campaign) -> dict[str, Any]:
        data = super().to_representation(campaign)
        data["preset_responses"] = [
            {"title": p.title, "text": p.text} for p in campaign.preset_responses.all()
        ]
        return data

    def _save(self, campaign: Campaign | None, data: dict[str, Any]) -> Campaign:
        schedules = data.pop("schedules", None)
        presets = data.pop("preset_responses", None)
        try:
            return save_campaign(
                user=self.context["request"].user,
                campaign=campaign,
                values=data,
                schedules=schedules,
                presets=[dict(p) for p in presets] if presets is not None else None,
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def create(self, validated_data: dict[str, Any]) -> Campaign:
        return self._save(None, validated_data)

    def update(self, instance: Campaign, validated_data: dict[str, Any]) -> Campaign:
        return self._save(instance, validated_data)


class MembersSerializer(serializers.Serializer):
    agents = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)


class MemberSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    username = serializers.CharField()


class MembersOutSerializer(serializers.Serializer):
    """What ``members`` answers (documentation only)."""

    campaign = serializers.IntegerField()
    members = MemberSerializer(many=True)


class CampaignViewSet(viewsets.ModelViewSet):
    section = Section.CAMPAIGNS
    permission_classes = [SectionPermission]
    serializer_class = CampaignSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Campaign.objects.none()
        return campaigns_for(self.request.user).prefetch_related("schedules", "preset_responses")

    def perform_destroy(self, instance: Campaign) -> None:
        try:
            delete_campaign(user=self.request.user, campaign=instance)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    @extend_schema(responses={200: MembersOutSerializer, 400: OpenApiResponse(), 404: None})
    @extend_schema(methods=["GET"], request=None)
    @action(detail=True, methods=["get", "post", "delete"], serializer_class=MembersSerializer)
    def members(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()  # 404 for an id that is not a number, too
        if request.method != "GET":
            body = MembersSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            service = add_members if request.method == "POST" else remove_members
            try:
                service(
                    user=request.user,
                    campaigns=[campaign],
                    agents=list(body.validated_data["agents"]),
                )
            except DjangoValidationError as exc:
                raise drf_errors(exc) from exc
        members = campaign.members.select_related("agent").order_by("pk")
        return Response(
            {
                "campaign": campaign.pk,
                "members": [{"agent": m.agent_id, "username": m.agent.username} for m in members],
            }
        )


class RuleSerializer(serializers.Serializer):
    weekdays = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    start = serializers.TimeField(allow_null=True)
    end = serializers.TimeField(allow_null=True)
    overnight = serializers.BooleanField(default=False)


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    start = serializers.TimeField(allow_null=True, required=False, default=None)
    end = serializers.TimeField(allow_null=True, required=False, default=None)


class ScheduleSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, required=False)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = Schedule
        fields = ["id", "name", "time_zone", "rules", "holidays"]
        extra_kwargs = {"name": {"validators": []}}

    def _save(self, schedule: Schedule | None, data: dict[str, Any]) -> Schedule:
        def rows(key: str, current: QuerySet) -> list[dict]:
            if key in data:
                return [dict(r) for r in data[key]]
            fields = (
                ("weekdays", "start", "end", "overnight")
                if key == "rules"
                else ("date", "name", "start", "end")
            )
            return list(current.values(*fields)) if schedule else []

        try:
            return save_schedule(
                schedule=schedule,
                name=data.get("name", schedule.name if schedule else ""),
                time_zone=data.get("time_zone", schedule.time_zone if schedule else "UTC"),
                rules=rows("rules", schedule.rules.all() if schedule else None),
                holidays=rows("holidays", schedule.holidays.all() if schedule else None),
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def create(self, validated_data: dict[str, Any]) -> Schedule:
        return self._save(None, validated_data)

    def update(self, instance: Schedule, validated_data: dict[str, Any]) -> Schedule:
        return self._save(instance, validated_data)


class ScheduleViewSet(viewsets.ModelViewSet):
    section = Section.CAMPAIGNS
    permission_classes = [SectionPermission]
    serializer_class = ScheduleSerializer
    queryset = Schedule.objects.prefetch_related("rules", "holidays")

    def perform_destroy(self, instance: Schedule) -> None:
        try:
            delete_schedule(schedule=instance)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
