"""The left menu of SPEC §0; each user sees only the entries their role may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Section
from agents.services import agent_state
from agents.states import AgentState


@dataclass(frozen=True)
class MenuEntry:
    section: str
    url_name: str
    group: Promise | None = None

    @property
    def label(self) -> str:
        return Section(self.section).label


MENU = [
    MenuEntry(Section.PROVIDERS, "providers:index", group=_("Providers")),
    MenuEntry(Section.CAMPAIGNS, "campaigns:index"),
    MenuEntry(Section.MEMBERS, "campaigns:members"),
    MenuEntry(Section.DIALERS, "dialer:index"),
    MenuEntry(Section.INBOX, "agents:inbox"),
    MenuEntry(Section.MONITORING, "monitoring:index"),
    MenuEntry(Section.DIALER_MONITOR, "dialer:monitor"),
    MenuEntry(Section.RECORDINGS, "recordings:index"),
    MenuEntry(Section.REPORTS, "monitoring:reports"),
    MenuEntry(Section.SIMULATOR, "simulator:index"),
    MenuEntry(Section.AGENTS_CONFIG, "agents_config:index", group=_("Configuration")),
]


def menu_for(user: Any) -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    return [
        {"section": e.section, "label": e.label, "url": reverse(e.url_name), "group": e.group}
        for e in MENU
        if user.can_open(e.section)
    ]


def menu_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    context: dict[str, Any] = {"menu": menu_for(user)}
    if user.is_agent:
        state = agent_state(user)
        labels = {value: str(label) for value, label in AgentState.choices}
        # The badge shows the state's name in the user's language; the script relabels it live.
        context.update(agent_state=state, agent_state_label=labels.get(state, state))
        context["agent_state_labels"] = labels
    return context
