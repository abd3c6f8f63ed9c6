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
from accounts.models import User
from accounts.roles import Section
from accounts.selectors import groups_for
from campaigns.models import Campaign, Holiday, PresetResponse, Schedule, ScheduleRule
from campaigns.selectors import campaigns_for, providers_for, schedules_for
from campaigns.services import (
    add_members,
    delete_campaign,
    delete_schedule,
    remove_members,
    save_campaign,
    save_schedule,
)
from contactcenter.service_errors import drf_errors


class PresetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PresetResponse
        fields = ["title", "text"]
        extra_kwargs = {
            # Blank rows are the service's to word ("Pre-set response 2: give it a title.").
            "title": {"allow_blank": True},
            "text": {"allow_blank": True, "trim_whitespace": False},
        }


class CampaignSerializer(serializers.ModelSerializer):
    """Fields and limits derive from the model; its rules run in the service."""

    preset_responses = PresetSerializer(many=True, required=False)

    class Meta:
        model = Campaign
        fields = ["id", *Campaign.EDITABLE, "preset_responses"]
        # Uniqueness is the model's (full_clean in the service), worded the same everywhere.
        extra_kwargs = {"name": {"validators": []}}
        validators = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:  # the schema is built without a user
            # Another group's object answers like one that does not exist.
            fields["schedules"].child_relation.queryset = schedules_for(user)
            fields["security_group"].queryset = groups_for(user)
            fields["provider"].queryset = providers_for(user)
        return fields

    def to_representation(self, campaign: Campaign) -> dict[str, Any]:
        data = super().to_representation(campaign)
        data["preset_responses"] = [
            {"title": p.title, "text": p.text} for p in campaign.preset_responses.all()
        ]
        return data

    def _save(self, campaign: Campaign | None, data: dict[str, Any]) -> Campaign:
        presets = data.pop("preset_responses", None)
        try:
            return save_campaign(
                user=self.context["request"].user,
                campaign=campaign,
                values=data,
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


class RuleSerializer(serializers.ModelSerializer):
    # Rows are checked by the service (numbered: "Rule 2: …"); here only types are parsed.
    weekdays = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    start = serializers.TimeField(allow_null=True)
    end = serializers.TimeField(allow_null=True)

    class Meta:
        model = ScheduleRule
        fields = ["weekdays", "start", "end", "overnight"]


class HolidaySerializer(serializers.ModelSerializer):
    start = serializers.TimeField(allow_null=True, required=False, default=None)
    end = serializers.TimeField(allow_null=True, required=False, default=None)

    class Meta:
        model = Holiday
        fields = ["date", "name", "start", "end"]


class ScheduleSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, required=False)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = Schedule
        fields = ["id", *Schedule.EDITABLE, "rules", "holidays"]
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

        group = {"security_group": data["security_group"]} if "security_group" in data else {}
        try:
            return save_schedule(
                user=self.context["request"].user,
                schedule=schedule,
                name=data.get("name", schedule.name if schedule else ""),
                time_zone=data.get("time_zone", schedule.time_zone if schedule else "UTC"),
                rules=rows("rules", schedule.rules.all() if schedule else None),
                holidays=rows("holidays", schedule.holidays.all() if schedule else None),
                **group,
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def create(self, validated_data: dict[str, Any]) -> Schedule:
        return self._save(None, validated_data)

    def update(self, instance: Schedule, validated_data: dict[str, Any]) -> Schedule:
        return self._save(instance, validated_data)


class ScheduleViewSet(viewsets.ModelViewSet):
    """Schedules of the user's security groups (admins: all); 404 for any other."""

    section = Section.CAMPAIGNS
    permission_classes = [SectionPermission]
    serializer_class = ScheduleSerializer

    def get_queryset(self) -> QuerySet[Schedule]:
        return schedules_for(self.request.user).prefetch_related("rules", "holidays")

    def perform_destroy(self, instance: Schedule) -> None:
        try:
            delete_schedule(user=self.request.user, schedule=instance)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
