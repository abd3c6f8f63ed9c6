from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.states import AgentState
from contactcenter.fields import NameField
from contactcenter.icons import is_icon


class BreakType(models.Model):
    """A named reason for a break (lunch, training, ...), edited by admins, shown in this order."""

    name = NameField(
        _("name"),
        max_length=60,
        unique_message=_("A break type with this name exists."),
        blank_message=_("Give the break type a name."),
    )
    # A symbol id of the vendored Bootstrap Icons sprite (contactcenter.icons); blank: none.
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.icon = (self.icon or "").strip()
        if self.icon and not is_icon(self.icon):
            raise ValidationError(
                {
                    "icon": _("“%(icon)s” is not an icon of the Bootstrap Icons set.")
                    % {"icon": self.icon}
                }
            )


class AgentStatus(models.Model):
    """The current state of one agent (one row per agent)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status"
    )
    state = models.CharField(
        max_length=20, choices=AgentState.choices, default=AgentState.DISCONNECTED
    )
    break_type = models.CharField(max_length=60, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    # Signed in (web login, or a state set through the API); presence below decides the rest.
    signed_in = models.BooleanField(default=False)
    # Last sign of life: an open inbox socket refreshes it, so does POST /agents/me/state. Older
    # than AGENT_PRESENCE_GRACE: the agent is disconnected and their interactions requeued.
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["last_seen_at"],
                condition=~models.Q(state=AgentState.DISCONNECTED),
                name="agent_present_seen",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.state}"


class AgentStateChange(models.Model):
    """Timestamped history of every state change, for monitors and reports."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="state_changes"
    )
    from_state = models.CharField(max_length=20, choices=AgentState.choices)
    to_state = models.CharField(max_length=20, choices=AgentState.choices)
    break_type = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.agent} {self.from_state}→{self.to_state} at {self.at:%Y-%m-%d %H:%M:%S}"
