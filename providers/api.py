"""REST API: /api/v1/providers/ (admin only). Secrets are write-only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import SectionPermission
from accounts.roles import Section
from contactcenter.service_errors import drf_errors
from providers.adapters import adapter_class, registry
from providers.configuration import secret_setting_keys, webhook_url
from providers.models import Provider
from providers.services import delete_provider, save_provider, send_message


class ProviderSerializer(serializers.ModelSerializer):
    """Fields and validators derive from the model; the rules that need the stored secrets
    (what each type requires) run in the service's ``full_clean``."""

    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )
    settings = serializers.DictField(required=False)
    channel = serializers.SerializerMethodField()
    inbound_webhook = serializers.SerializerMethodField()
    status_webhook = serializers.SerializerMethodField()
    secrets_set = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "id",
            *Provider.EDITABLE,
            "password",
            "settings",
            "channel",
            "inbound_webhook",
            "status_webhook",
            "secrets_set",
        ]
        extra_kwargs = {
            "name": {"validators": []},
            "is_default": {"validators": []},
            "api_type": {"required": False},
            "security_groups": {"required": False},
        }
        validators = []  # uniqueness (name, one default) is the model's, run by the service

    def get_channel(self, provider: Provider) -> str:
        return adapter_class(provider.api_type).channel

    def _base(self) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri("/") if request else ""

    def get_inbound_webhook(self, provider: Provider) -> str:
        return webhook_url(provider, "inbound", self._base() or None)

    def get_status_webhook(self, provider: Provider) -> str:
        return webhook_url(provider, "status", self._base() or None)

    def get_secrets_set(self, provider: Provider) -> list[str]:
        """Which secrets are stored (never their values)."""
        names = ["password"] if provider.password else []
        return names + sorted(f"settings.{k}" for k in provider.get_secret_settings())

    def _split(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        api_type = data.get("api_type") or (self.instance.api_type if self.instance else "")
        secret_keys = secret_setting_keys(api_type) if api_type in registry() else set()
        settings = dict(data.pop("settings", {}) or {})
        secrets = {k: str(settings.pop(k)) for k in list(settings) if k in secret_keys}
        if "password" in data:
            secrets["password"] = data.pop("password")
        if settings or "settings" in self.initial_data:
            data["settings"] = settings
        return data, secrets

    def create(self, validated_data: dict[str, Any]) -> Provider:
        values, secrets = self._split(validated_data)
        try:
            return save_provider(provider=None, values=values, secrets=secrets)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def update(self, instance: Provider, validated_data: dict[str, Any]) -> Provider:
        values, secrets = self._split(validated_data)
        try:
            return save_provider(provider=instance, values=values, secrets=secrets)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def to_representation(self, provider: Provider) -> dict[str, Any]:
        data = super().to_representation(provider)
        data["settings"] = dict(provider.settings)  # secret settings are never in responses
        return data


class TestSendSerializer(serializers.Serializer):
    destination = serializers.CharField(max_length=40)
    message = serializers.CharField(trim_whitespace=False)  # rules: providers.text


class TestResultSerializer(serializers.Serializer):
    """What a Test send answers: 200 when the provider took it, 502 with its error otherwise."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    provider_message_id = serializers.CharField()
    error = serializers.CharField()
    segments = serializers.IntegerField(allow_null=True)
    encoding = serializers.CharField()


class ProviderViewSet(viewsets.ModelViewSet):
    section = Section.PROVIDERS
    permission_classes = [SectionPermission]
    serializer_class = ProviderSerializer
    queryset = Provider.objects.all()

    def perform_destroy(self, instance: Provider) -> None:
        try:
            delete_provider(provider=instance)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    @extend_schema(responses={200: TestResultSerializer, 502: TestResultSerializer})
    @action(detail=True, methods=["post"], url_path="test", serializer_class=TestSendSerializer)
    def test(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()
        form = TestSendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            message = send_message(
                provider=provider,
                destination=form.validated_data["destination"],
                text=form.validated_data["message"],
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
        body = {
            "id": message.pk,
            "state": message.state,
            "provider_message_id": message.provider_message_id,
            "error": message.error,
            "segments": message.segments,
            "encoding": message.encoding,
        }
        ok = message.state == message.State.SENT
        return Response(body, status=status.HTTP_200_OK if ok else status.HTTP_502_BAD_GATEWAY)
