"""Checking a provider's configuration against its type, and turning a row into adapter input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from providers.adapters import adapter_class, registry
from providers.adapters.base import FieldSpec, ProviderConfig

if TYPE_CHECKING:  # the model calls this module (Provider.clean): a type, never an import
    from providers.models import Provider

COLUMNS = ("endpoint", "username", "password", "sender", "ports")


def type_fields(api_type: str) -> tuple[FieldSpec, ...]:
    return adapter_class(api_type).fields


def secret_setting_keys(api_type: str) -> set[str]:
    return {f.setting for f in type_fields(api_type) if f.secret and f.setting}


def webhook_url(provider: Provider, kind: str, base_url: str | None = None) -> str:
    path = reverse("provider_webhook", args=[provider.webhook_token, kind])
    base = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    return f"{base}{path}" if base else path


def config_for(provider: Provider) -> ProviderConfig:
    status_url = webhook_url(provider, "status") if settings.PUBLIC_BASE_URL else ""
    return ProviderConfig(
        api_type=provider.api_type,
        endpoint=provider.endpoint,
        username=provider.username,
        password=provider.password,
        sender=provider.sender,
        ports=provider.ports,
        encoding=provider.encoding,
        settings={**provider.settings, **provider.get_secret_settings()},
        status_url=status_url,
        connect_timeout=provider.connect_timeout,
        read_timeout=provider.read_timeout,
        provider_id=provider.pk,
    )


def type_errors(provider: Provider) -> dict[str, str]:
    """Errors per field for what ``provider``'s type requires (``Provider.clean`` calls this;
    an unknown type is the ``api_type`` field's own error)."""
    api_type = provider.api_type or ""
    if api_type not in registry():
        return {}
    configured = {**(provider.settings or {}), **provider.get_secret_settings()}
    errors: dict[str, str] = {}
    for spec in type_fields(api_type):
        value = configured.get(spec.setting) if spec.setting else getattr(provider, spec.name)
        if spec.required and value in (None, ""):
            errors[spec.name] = _("%(label)s is required for %(type)s.") % {
                "label": spec.label,
                "type": api_type,
            }
        elif spec.choices and value not in (None, "") and value not in dict(spec.choices):
            errors[spec.name] = _("Choose one of %(choices)s.") % {
                "choices": ", ".join(dict(spec.choices))
            }
    if not errors:
        config = ProviderConfig(
            api_type=api_type,
            **{c: getattr(provider, c) or "" for c in COLUMNS},
            settings=configured,
        )
        errors.update(adapter_class(api_type).validate(config))
    return errors
