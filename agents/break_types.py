"""Break types (admins): saved with the model's checks, so the API and any later page word the
refusals the same way. Renaming or deleting one leaves an agent already on that break as they
are (``AgentStatus.break_type`` keeps the name); agents choose from the list as it is now."""

from __future__ import annotations

from typing import Any

from agents.models import BreakType

EDITABLE = ("name", "icon", "position")


def save_break_type(*, break_type: BreakType | None, values: dict[str, Any]) -> BreakType:
    """Create or change a break type; ValidationError naming the field (a name in use, blank)."""
    break_type = break_type or BreakType()
    for field in EDITABLE:
        if field in values:
            setattr(break_type, field, values[field])
    break_type.full_clean()
    break_type.save()
    return break_type


def delete_break_type(*, break_type: BreakType) -> None:
    break_type.delete()
