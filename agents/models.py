from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from agents.states import AgentState


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
