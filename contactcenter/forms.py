"""Form bases shared by the apps."""

from __future__ import annotations

from django import forms


class ServiceCheckedForm(forms.ModelForm):
    """Fields, types and limits come from the model; the form parses input only and the
    service runs the model's rules (``full_clean`` through ``contactcenter.services``), so
    pages and API report the same messages. The instance is never changed by the form."""

    def validate_unique(self) -> None:
        return  # the service runs the model's checks

    def _post_clean(self) -> None:
        return  # the service runs full_clean() and reports every field
