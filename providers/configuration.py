"""Checking a provider's configuration against its type, and turning a row into adapter input."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from providers.adapters import adapter_class, registry
from providers.adapters.base import FieldSpec, ProviderConfig
from providers.encoding import Encoding
from providers.models import Provider

COLUMNS = ("endpoint", "username", "password", "sender", "ports")


def type_fields(api_type: str) -> tuple[FieldSpec, ...]:
    return adapter_class(api_type).fields


def secret_setting_keys(api_type: str) -> set[str]:
    return {f.setting for f in type_fields(api_type) if f.secret and f.setting}


def regexp_error(pattern: str) -> str | None:
    if not pattern:
        return None
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"Not a valid regular expression: {exc}."
    return None


def webhook_url(provider: Provider, kind: str, base_url: str | None = None) -> str:
    path = reverse("providers:webhook", args=[provider.webhook_token, kind])
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
    )


def check(values: dict[str, Any]) -> dict[str, str]:
    """Errors per field for a complete set of provider values (secrets in clear)."""
    errors: dict[str, str] = {}
    api_type = values.get("api_type") or ""
    if api_type not in registry():
        return {
            "api_type": f"Unknown API type “{api_type}”; choose one of {', '.join(registry())}."
        }
    if not (values.get("name") or "").strip():
        errors["name"] = "Give the provider a name."
    if values.get("encoding", Encoding.AUTO) not in {e.value for e in Encoding}:
        errors["encoding"] = "Choose auto, GSM7 or UCS2."
    if error := regexp_error(values.get("number_regexp") or ""):
        errors["number_regexp"] = error
    for timeout in ("connect_timeout", "read_timeout"):
        value = values.get(timeout, 1)
        if not isinstance(value, int | float) or not 0 < value <= 120:
            errors[timeout] = "Give a number of seconds between 0 and 120."
    configured = values.get("settings") or {}
    for spec in type_fields(api_type):
        value = configured.get(spec.setting) if spec.setting else values.get(spec.name)
        if spec.required and value in (None, ""):
            errors[spec.name] = f"{spec.label} is required for {api_type}."
        elif spec.choices and value not in (None, "") and value not in dict(spec.choices):
            errors[spec.name] = f"Choose one of {', '.join(dict(spec.choices))}."
    if not errors:
        config = ProviderConfig(
            api_type=api_type,
            **{c: values.get(c) or "" for c in COLUMNS},
            settings=configured,
        )
        errors.update(adapter_class(api_type).validate(config))
    return errors
