"""What supervision keeps: the audit log of supervisors' actions on agents, and the chat
between supervisors and an agent (SPEC §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    SPY = "spy", _("Spy")
    MONITOR_SCREEN = "monitor_screen", _("Monitor screen")
    INFO = "info", _("Info")
    PAUSE = "pause", _("Pause")
    CHAT = "chat", _("Chat with agent")
    LOG_OUT = "log_out", _("Log out agent")


class AuditEntry(models.Model):
    """One supervisor action on one agent: who, whom, what, when (listed for admins)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("whom")
    )
    action = models.CharField(_("what"), max_length=20, choices=AuditAction.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_by_date"),
            models.Index(fields=["agent", "action", "-at"], name="audit_by_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.agent_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class ChatMessage(models.Model):
    """One line of the chat between the supervisors and an agent: one thread per agent, kept.
    ``supervisor`` is who wrote it (from the supervisor) or who it answers (from the agent)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_chat"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    from_agent = models.BooleanField(default=False)
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)  # by the side that did not write it

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agent", "id"], name="chat_thread")]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.text[:30]}"
