"""Template filters of the Reports page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def cell(row: dict[str, Any], key: str) -> Any:
    """A table cell: the row's value, or an en dash when there is none (no answered ones)."""
    value = row.get(key)
    return "–" if value is None else value
