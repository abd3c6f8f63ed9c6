"""Forms of Configuration → Agents: they parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from agents.configuration.services import EDITABLE
from agents.models import BreakType
from campaigns.models import Campaign
from contactcenter.forms import ServiceCheckedForm


class CampaignChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, campaign: Campaign) -> str:
        return f"{campaign.name} ({campaign.security_group})"


class UserForm(ServiceCheckedForm):
    campaigns = CampaignChoice(
        queryset=Campaign.objects.none(),
        required=False,
        label=_("Campaigns"),
        help_text=_("Agents only; campaigns of the agent's security groups."),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to generate one; it is shown once, after saving."),
    )

    class Meta:
        model = User
        fields = EDITABLE
        widgets = {"security_groups": forms.CheckboxSelectMultiple}
        help_texts = {
            "username": _("Letters, digits and @/./+/-/_ only."),
            "screen_monitoring": _("Supervisors may watch this agent's inbox screen live."),
        }

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaigns"].queryset = Campaign.objects.select_related(
            "security_group"
        ).order_by("name")
        self.fields["campaigns"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["campaigns"].choices
        )
        if not creating:
            del self.fields["password"]
        if self.instance.pk and "campaigns" not in self.initial:
            self.initial["campaigns"] = [
                m.campaign_id for m in self.instance.campaign_memberships.all()
            ]


class BreakTypeForm(ServiceCheckedForm):
    class Meta:
        model = BreakType
        fields = ["name", "icon", "position"]
        help_texts = {
            "icon": _("The name of a Bootstrap icon, such as cup-hot or book."),
            "position": _("Lower numbers come first in the agents' list."),
        }
        widgets = {"icon": forms.TextInput(attrs={"list": "icon-names", "autocomplete": "off"})}
