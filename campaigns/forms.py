from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import groups_for
from campaigns.models import WEEKDAYS, Campaign, Holiday, Schedule, ScheduleRule
from campaigns.selectors import agents_for, campaigns_for, providers_for, schedules_for
from contactcenter.forms import ServiceCheckedForm


class RowForm(ServiceCheckedForm):
    """A row of a formset (schedule rules, holidays): every field optional here, so the service
    can check filled rows and number its messages ("Rule 2: …")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class CampaignForm(ServiceCheckedForm):
    """Basic and advanced settings of a campaign."""

    schedules = forms.ModelMultipleChoiceField(
        queryset=Schedule.objects.none(),
        required=False,
        label=_("Schedules"),
        widget=forms.SelectMultiple(attrs={"data-attached": "schedules"}),
    )

    class Meta:
        model = Campaign
        fields = Campaign.EDITABLE
        widgets = {"out_of_time_message": forms.Textarea(attrs={"rows": 3})}

    BASIC = ("name", "security_group", "service_level", "did", "provider", "strategy", "schedules")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups, providers = groups_for(user), providers_for(user)
        self.fields["security_group"].queryset = groups
        self.fields["provider"].queryset = providers
        self.fields["schedules"].queryset = schedules_for(user)
        if self.instance.pk is None:
            # Working defaults: the user's only group, the default (or only) provider.
            if groups.count() == 1:
                self.initial.setdefault("security_group", groups.first().pk)
            chosen = providers.filter(is_default=True).first() or providers.first()
            if chosen is not None:
                self.initial.setdefault("provider", chosen.pk)

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


class ScheduleForm(ServiceCheckedForm):
    class Meta:
        model = Schedule
        fields = Schedule.EDITABLE
        help_texts = {"time_zone": _("e.g. America/Montevideo, Europe/Madrid")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = groups_for(user)
        group = self.fields["security_group"]
        group.queryset = groups
        if user.role == Role.ADMIN:
            group.empty_label = _("None (admins only)")
        elif groups.count() == 1:
            if self.instance.pk is None:
                self.initial.setdefault("security_group", groups.first().pk)
        else:
            group.required = True


class RuleForm(RowForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Days"),
    )

    class Meta:
        model = ScheduleRule
        fields = ("weekdays", "start", "end", "overnight")
        labels = {"start": _("From"), "end": _("To")}
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}),
            "end": forms.TimeInput(attrs={"type": "time"}),
        }


class HolidayForm(RowForm):
    class Meta:
        model = Holiday
        fields = ("date", "name", "start", "end")
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "start": forms.TimeInput(attrs={"type": "time"}),
            "end": forms.TimeInput(attrs={"type": "time"}),
        }


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
