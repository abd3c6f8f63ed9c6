from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import groups_for
from campaigns.models import WEEKDAYS, Campaign, Schedule
from campaigns.selectors import agents_for, campaigns_for, providers_for


class CampaignForm(forms.ModelForm):
    """Basic and advanced settings; the service does the checks that need the database."""

    schedules = forms.ModelMultipleChoiceField(
        queryset=Schedule.objects.all(),
        required=False,
        label=_("Schedules"),
        widget=forms.SelectMultiple(attrs={"data-attached": "schedules"}),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "security_group",
            "service_level",
            "did",
            "provider",
            "strategy",
            "schedules",
            "out_of_time_message",
            "threshold_service_level",
            "threshold_abandon",
            "threshold_chat_time",
            "threshold_acd",
            "max_interactions_per_agent",
            "enabled",
        ]
        widgets = {"out_of_time_message": forms.Textarea(attrs={"rows": 3})}

    BASIC = ("name", "security_group", "service_level", "did", "provider", "strategy", "schedules")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups, providers = groups_for(user), providers_for(user)
        self.fields["security_group"].queryset = groups
        self.fields["provider"].queryset = providers
        if self.instance.pk is None:
            # Working defaults: the user's only group, the default (or only) provider.
            if groups.count() == 1:
                self.initial.setdefault("security_group", groups.first().pk)
            chosen = providers.filter(is_default=True).first() or providers.first()
            if chosen is not None:
                self.initial.setdefault("provider", chosen.pk)
        for name in (
            "service_level",
            "threshold_service_level",
            "threshold_abandon",
            "threshold_chat_time",
            "threshold_acd",
            "max_interactions_per_agent",
        ):
            # Let the service word the range errors the same way for pages and API.
            self.fields[name] = forms.IntegerField(
                label=self.fields[name].label, initial=self.fields[name].initial
            )

    def validate_unique(self) -> None:
        return  # database-backed checks (unique name, DID per provider) are the service's

    def _post_clean(self) -> None:
        # Skip the model's full_clean: the service checks and reports every field.
        return

    def basic_fields(self) -> list:
        return [self[name] for name in self.BASIC]

    def advanced_fields(self) -> list:
        return [self[name] for name in self.fields if name not in self.BASIC]


class PresetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}), required=False, strip=False
    )


PresetFormSet = forms.formset_factory(PresetForm, extra=1, max_num=50)


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="UTC",
        help_text=_("e.g. America/Montevideo, Europe/Madrid"),
    )


class RuleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Days"),
    )
    start = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    overnight = forms.BooleanField(label=_("Ends the next day"), required=False)


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    start = forms.TimeField(
        label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


RuleFormSet = forms.formset_factory(RuleForm, extra=1, max_num=50)
HolidayFormSet = forms.formset_factory(HolidayForm, extra=1, max_num=366)


def filled(formset: forms.BaseFormSet) -> list[dict]:
    """The rows someone filled in (blank extra rows dropped)."""
    return [
        f.cleaned_data
        for f in formset
        if f.cleaned_data and any(v not in (None, "", [], False) for v in f.cleaned_data.values())
    ]


class MembersForm(forms.Form):
    campaigns = forms.ModelMultipleChoiceField(
        queryset=Campaign.objects.none(), label=_("Campaigns")
    )
    agents = forms.ModelMultipleChoiceField(queryset=User.objects.none(), label=_("Agents"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaigns"].queryset = campaigns_for(user)
        self.fields["agents"].queryset = agents_for(user)
