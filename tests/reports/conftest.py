from __future__ import annotations

import pytest

from reports.rollups import install
from tests.reports.world import ZONE, World, build


@pytest.fixture
def montevideo(settings, db) -> str:
    """Reports counted in Montevideo days (the triggers rewritten for it, in the test's
    transaction: rolled back after it)."""
    settings.TIME_ZONE = ZONE
    install(ZONE)
    return ZONE


@pytest.fixture
def history(montevideo, supervisor, other_supervisor, group, other_group) -> World:
    return build(supervisor, other_supervisor, group, other_group)
