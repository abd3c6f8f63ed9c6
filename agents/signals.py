"""An agent who signs in becomes free; signing out disconnects them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from agents.services import agent_state, change_agent_state
from agents.states import AgentState


@receiver(user_logged_in)
def agent_signed_in(sender: Any, user: Any, **kwargs: Any) -> None:
    if getattr(user, "is_agent", False) and agent_state(user) == AgentState.DISCONNECTED:
        change_agent_state(agent=user, state=AgentState.FREE)


@receiver(user_logged_out)
def agent_signed_out(sender: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and getattr(user, "is_agent", False):
        change_agent_state(agent=user, state=AgentState.DISCONNECTED)
