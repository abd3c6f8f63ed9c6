"""Who may open what: the one table that pages, menu and API all consult."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


class Section(models.TextChoices):
    PROVIDERS = "providers", _("SMS / WhatsApp")
    CAMPAIGNS = "campaigns", _("Campaigns")
    MEMBERS = "members", _("Members")
    DIALERS = "dialers", _("SMS dialers")
    INBOX = "inbox", _("Agent inbox")
    MONITORING = "monitoring", _("Monitoring")
    DIALER_MONITOR = "dialer_monitor", _("Dialer monitor")
    RECORDINGS = "recordings", _("Recordings")
    REPORTS = "reports", _("Reports")
    SIMULATOR = "simulator", _("Simulator")
    # Configuration -> Agents: admins edit; supervisors read their groups' agents.
    AGENTS_CONFIG = "agents_config", _("Agents")


_SUPERVISION = {
    Section.CAMPAIGNS,
    Section.MEMBERS,
    Section.DIALERS,
    Section.MONITORING,
    Section.DIALER_MONITOR,
    Section.RECORDINGS,
    Section.REPORTS,
    Section.SIMULATOR,
    Section.AGENTS_CONFIG,
}

SECTIONS_BY_ROLE: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Section.values),
    Role.SUPERVISOR: frozenset(_SUPERVISION),
    Role.AGENT: frozenset({Section.INBOX}),
}


def role_can_open(role: str, section: str) -> bool:
    return section in SECTIONS_BY_ROLE.get(role, frozenset())
