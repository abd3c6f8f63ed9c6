"""The agent's inbox page: the shell the inbox script fills (static/js/inbox.js) and the data it
starts from (json_script: the agent's campaigns with their pre-set responses, break types,
state names). Everything live comes from the API and the events socket."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.utils.translation import get_language

from accounts.access import section_required
from accounts.models import User
from accounts.roles import Section
from agents.models import BreakType
from agents.states import AgentState
from campaigns.models import Campaign
from providers.text import max_length, whatsapp_window_reason


def inbox_config(agent: User) -> dict[str, Any]:
    """What the inbox script needs before its first API call."""
    campaigns = (
        Campaign.objects.filter(members__agent=agent)
        .select_related("provider")
        .prefetch_related("preset_responses")
        .order_by("name")
    )
    language = "es" if (get_language() or "en").startswith("es") else "en"
    return {
        "me": agent.pk,
        "campaigns": [
            {
                "id": c.pk,
                "name": c.name,
                "encoding": c.provider.encoding if c.provider_id else "auto",
                "presets": [{"title": p.title, "text": p.text} for p in c.preset_responses.all()],
            }
            for c in campaigns
        ],
        "break_types": [
            {"name": b.name, "icon": b.icon} for b in BreakType.objects.order_by("position")
        ],
        "states": {value: str(label) for value, label in AgentState.choices},
        "max_length": max_length(),
        # Shown when a WhatsApp conversation's window closes while it is open (the list gives
        # each row's ``window_closes_at``).
        "whatsapp_window": {
            "hours": settings.WHATSAPP_WINDOW_HOURS,
            "closed": whatsapp_window_reason(),
        },
        "login_url": resolve_url(settings.LOGIN_URL),
        "emoji": {
            "locale": language,
            "data": static(f"vendor/emoji-picker-element-data/{language}/data.json"),
        },
        "icons": static("vendor/bootstrap-icons/bootstrap-icons.svg"),
    }


# The emoji picker (a web component) puts its stylesheet in a <style> element of its shadow
# root and sizes parts of itself with style attributes. This page alone allows exactly that
# stylesheet (its hash: emoji-picker-element 1.29.1; tests/browser/test_inbox.py fails on a CSP
# violation if the vendored file changes) and style attributes; scripts stay 'self' only.
PICKER_STYLE_HASH = "'sha256-rg2BpwZ4T9EADaas/dlxn0KsISPDXXIabE9pnJ++3UQ='"
PICKER_CSP = {"style-src": [PICKER_STYLE_HASH], "style-src-attr": ["'unsafe-inline'"]}


@csp_update(PICKER_CSP)
@section_required(Section.INBOX)
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.is_agent:  # an admin may open every section; the inbox is an agent's
        return render(request, "agents/inbox_not_agent.html", {"section": Section.INBOX})
    return render(
        request,
        "agents/inbox.html",
        {"section": Section.INBOX, "inbox_config": inbox_config(request.user)},
    )
