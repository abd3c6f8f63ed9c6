from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Schedule
from campaigns.selectors import campaigns_for, providers_for, schedules_for
from dialer.models import Dialer
from providers.text import validate_sms_text


class DialerForm(forms.ModelForm):
    schedules = forms.ModelMultipleChoiceField(
        queryset=Schedule.objects.all(), required=False, label=_("Schedules")
    )
    time_between_messages = forms.IntegerField(label=_("Time between messages (ms)"), initial=0)

    class Meta:
        model = Dialer
        fields = [
            "name",
            "campaign",
            "provider",
            "schedules",
            "dial_string",
            "time_between_messages",
            "enabled",
            "check_dncr",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_for(user)
        self.fields["provider"].queryset = providers_for(user)
        self.fields["schedules"].queryset = schedules_for(user)

    def validate_unique(self) -> None:
        return  # the service checks names and one dialer per campaign

    def _post_clean(self) -> None:
        return  # the service checks and reports every field


class SingleMessageForm(forms.Form):
    destination = forms.CharField(label=_("Telephone"), max_length=40)
    message = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 2}),
        strip=False,
        validators=[validate_sms_text],  # the provider's own limit: queue_message
    )


class DncrForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=32)
    campaign = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Campaign"), empty_label=_("Every campaign")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_for(user)
        if user.role != Role.ADMIN:  # entries for every campaign are the admins' (dialer.dncr)
            self.fields["campaign"].required = True
            self.fields["campaign"].empty_label = None
