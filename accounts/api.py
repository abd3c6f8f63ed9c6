"""REST API: /api/v1/security-groups/ (read-only): the groups campaigns and schedules name."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from accounts.models import SecurityGroup
from accounts.selectors import groups_for


class SecurityGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityGroup
        fields = ["id", "name"]


class SecurityGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's security groups; every group for admins. 404 for any other group."""

    serializer_class = SecurityGroupSerializer

    def get_queryset(self) -> QuerySet[SecurityGroup]:
        return groups_for(self.request.user).order_by("name")
