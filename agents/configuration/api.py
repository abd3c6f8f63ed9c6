"""REST API: /api/v1/users/ (Configuration → Agents).

Admins list, create, change, deactivate and activate users and reset their passwords; there is
no delete (a user's history stays: deactivate instead). Supervisors read the agents of their
security groups (404 for anyone else); agents get 403. Input is parsed here; the rules are the
services' (``agents.configuration.services``), whose refusals are a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import SectionPermission
from accounts.models import SecurityGroup, User
from accounts.roles import Role, Section
from agents.configuration import services
from agents.configuration.selectors import user_for_user, users_for
from campaigns.models import Campaign
from contactcenter.service_errors import drf_errors

T = TypeVar("T")


def run(service: Callable[..., T], **kwargs: Any) -> T:
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc


class AdminsWrite(BasePermission):
    """Reads for whoever may open the section; every change for admins only (403)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return request.user.role == Role.ADMIN


class UserSerializer(serializers.ModelSerializer):
    """What the API shows of a user (never a password)."""

    campaigns = serializers.SerializerMethodField(help_text="Campaigns the agent is a member of.")
    # A plain string: empty when none was given (an "email" format would refuse "").
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "security_groups",
            "campaigns",
            "screen_monitoring",
            "last_login",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_campaigns(self, user: User) -> list[int]:
        return sorted(m.campaign_id for m in user.campaign_memberships.all())


class CreatedUserSerializer(UserSerializer):
    password = serializers.CharField(
        allow_null=True,
        help_text="The generated password, shown this once (null when the request gave one).",
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]
        read_only_fields = fields


class UserInSerializer(serializers.ModelSerializer):
    """Input only: types and limits from the model; the service checks the rest."""

    security_groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=SecurityGroup.objects.all(), required=False
    )
    campaigns = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Campaign.objects.all(),
        required=False,
        help_text="Campaigns of the agent (replaces the list). Only agents are members.",
    )
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        max_length=128,
        help_text="Create only. Blank or missing: a password is generated and answered once.",
    )

    class Meta:
        model = User
        fields = [*services.EDITABLE, "campaigns", "password"]
        # Uniqueness is the model's (full_clean in the service), worded the same everywhere.
        extra_kwargs = {"username": {"validators": []}}


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(help_text="The new password, shown this once.")


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], list[Campaign] | None, str | None]:
    data = dict(data)
    campaigns = data.pop("campaigns", None)
    password = data.pop("password", None)
    if "security_groups" in data:
        data["security_groups"] = list(data["security_groups"])
    return data, (list(campaigns) if campaigns is not None else None), password


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    section = Section.AGENTS_CONFIG
    permission_classes = [SectionPermission, AdminsWrite]
    serializer_class = UserSerializer

    def get_queryset(self) -> QuerySet[User]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return User.objects.none()
        return users_for(self.request.user)

    def get_object(self) -> User:
        return user_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def _fresh(self, user: User) -> User:
        return users_for(self.request.user).get(pk=user.pk)

    @extend_schema(request=UserInSerializer, responses={201: CreatedUserSerializer})
    def create(self, request: Request) -> Response:
        body = UserInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values, campaigns, password = _split(body.validated_data)
        user, generated = run(
            services.create_user,
            by=request.user,
            values=values,
            campaigns=campaigns,
            password=password,
        )
        data = {**UserSerializer(self._fresh(user)).data, "password": generated}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserInSerializer, responses={200: UserSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        body = UserInSerializer(user, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values, campaigns, password = _split(body.validated_data)
        if password is not None:
            raise serializers.ValidationError(
                {"password": "Reset a password with POST /api/v1/users/{id}/password."}
            )
        user = run(
            services.update_user, by=request.user, user=user, values=values, campaigns=campaigns
        )
        return Response(UserSerializer(self._fresh(user)).data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """The user can no longer sign in; their logins end now, an agent's interactions are
        requeued."""
        user = run(services.deactivate_user, by=request.user, user=self.get_object())
        return Response(UserSerializer(self._fresh(user)).data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        user = run(services.activate_user, by=request.user, user=self.get_object())
        return Response(UserSerializer(self._fresh(user)).data)

    @extend_schema(request=None, responses={200: PasswordSerializer})
    @action(detail=True, methods=["post"])
    def password(self, request: Request, pk: str | None = None) -> Response:
        """A new generated password, answered this once; the user's logins end and their API
        tokens are revoked."""
        password = run(services.reset_password, by=request.user, user=self.get_object())
        return Response({"password": password})
