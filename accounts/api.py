"""REST API: /api/v1/security-groups/: the groups campaigns and schedules name. Everyone reads
their own groups (admins every group); admins create and rename them (there is no delete: a
group's campaigns and users would lose their scope)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import SecurityGroup
from accounts.roles import Role
from accounts.selectors import groups_for
from accounts.services import save_security_group
from contactcenter.service_errors import drf_errors


class SecurityGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityGroup
        fields = ["id", "name"]
        # Uniqueness is the model's (full_clean in the service), worded the same everywhere.
        extra_kwargs = {"name": {"validators": []}}


class AdminsWrite(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return bool(request.user and request.user.is_authenticated) and (
            request.user.role == Role.ADMIN
        )


class SecurityGroupViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The signed-in user's security groups; every group for admins. 404 for any other group."""

    serializer_class = SecurityGroupSerializer
    permission_classes = [AdminsWrite]

    def get_queryset(self) -> QuerySet[SecurityGroup]:
        return groups_for(self.request.user).order_by("name")

    def _save(self, serializer: SecurityGroupSerializer) -> None:
        try:
            serializer.instance = save_security_group(
                group=serializer.instance, values=dict(serializer.validated_data)
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def perform_create(self, serializer: SecurityGroupSerializer) -> None:
        self._save(serializer)

    def perform_update(self, serializer: SecurityGroupSerializer) -> None:
        self._save(serializer)
