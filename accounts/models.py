from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, role_can_open


class SecurityGroup(models.Model):
    """Campaigns belong to one group; supervisors see the campaigns of their groups."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactCenterUserManager(UserManager):
    """``create_superuser`` (and ``manage.py createsuperuser``) makes an admin: a superuser
    with the agent role would be refused every admin page."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    security_groups = models.ManyToManyField(
        SecurityGroup, blank=True, related_name="users", verbose_name=_("security groups")
    )
    # Supervisors may mirror this agent's inbox live (Monitoring -> Monitor screen), SPEC §5.
    screen_monitoring = models.BooleanField(
        _("screen monitoring"),
        default=False,
        help_text=_("Supervisors may watch this agent's inbox screen live."),
    )

    objects = ContactCenterUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One rule wherever a superuser comes from (command, admin site, shell): it is an admin.
        if self.is_superuser:
            self.role = Role.ADMIN
        super().save(*args, **kwargs)

    def can_open(self, section: str) -> bool:
        return self.is_active and role_can_open(self.role, section)

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT


class ApiToken(models.Model):
    """A named API key. Only its SHA-256 is stored; the key is shown once, when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class UserSession(models.Model):
    """Which session belongs to which user: Django's session table has no user column, and
    ending a user's logins at once (``accounts.sessions.end_access``) must not decode every
    session. Written at sign-in, removed at sign-out and when the logins are ended."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_keys")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:8]}…"
