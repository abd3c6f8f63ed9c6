"""The provider form: every field of every type; the page shows those of the chosen type."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.forms import ServiceCheckedForm
from providers.adapters import api_type_choices, registry
from providers.adapters.base import FieldSpec
from providers.models import Provider

TEXTAREAS = {"body_template"}


def form_name(spec_name: str) -> str:
    return spec_name.replace("settings.", "settings__")


def all_setting_specs() -> dict[str, FieldSpec]:
    specs: dict[str, FieldSpec] = {}
    for adapter in registry().values():
        for spec in adapter.fields:
            if spec.setting:
                specs.setdefault(spec.setting, spec)
    return specs


def type_catalogue() -> dict[str, Any]:
    """What the page's script needs to show each type's fields, labels and help."""
    return {
        name: {
            "channel": adapter.channel,
            "fields": {
                form_name(s.name): {"label": s.label, "help": s.help, "required": s.required}
                for s in adapter.fields
            },
        }
        for name, adapter in registry().items()
    }


class ProviderForm(ServiceCheckedForm):
    """Fields, labels and help come from the model (plus the password and every type's
    settings); the model's rules run once, in the service, so pages and API word them alike."""

    password = forms.CharField(
        label=_("Password"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = Provider
        fields = Provider.EDITABLE

    def __init__(self, *args: Any, instance: Provider | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {f"settings__{k}": v for k, v in instance.settings.items()}
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["api_type"] = forms.ChoiceField(
            label=self.fields["api_type"].label, choices=api_type_choices()
        )
        for key, spec in all_setting_specs().items():
            name = f"settings__{key}"
            if spec.secret:
                field = forms.CharField(
                    label=spec.label, required=False, widget=forms.PasswordInput(render_value=False)
                )
            elif spec.choices:
                field = forms.ChoiceField(
                    label=spec.label,
                    required=False,
                    choices=[("", "—"), *spec.choices],
                    initial=spec.default,
                )
            else:
                widget = forms.Textarea(attrs={"rows": 3}) if key in TEXTAREAS else None
                field = forms.CharField(
                    label=spec.label, required=False, widget=widget, initial=spec.default
                )
            self.fields[name] = field
        if instance is not None:
            for name in (
                "password",
                *[f"settings__{k}" for k, s in all_setting_specs().items() if s.secret],
            ):
                self.fields[name].help_text = _("Stored; leave empty to keep it.")

    def values_and_secrets(self) -> tuple[dict[str, Any], dict[str, str]]:
        data = self.cleaned_data
        api_type = data["api_type"]
        own = {s.setting for s in registry()[api_type].fields if s.setting}
        secret = {s.setting for s in registry()[api_type].fields if s.setting and s.secret}
        values = {k: data[k] for k in Provider.EDITABLE}
        values["security_groups"] = list(data["security_groups"])
        values["settings"] = {
            k: data[f"settings__{k}"]
            for k in own - secret
            if data.get(f"settings__{k}") not in (None, "")
        }
        secrets = {k: data[f"settings__{k}"] for k in secret if data.get(f"settings__{k}")}
        if data.get("password"):
            secrets["password"] = data["password"]
        return values, secrets

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            name = form_name(field)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class TestSendForm(forms.Form):
    destination = forms.CharField(label=_("Telephone"), max_length=40)
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), strip=False
    )
