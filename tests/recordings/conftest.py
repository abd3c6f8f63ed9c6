from __future__ import annotations

import pytest

from tests.conversations.api_helpers import token_client
from tests.recordings.world import World, build


@pytest.fixture
def world(supervisor, other_supervisor, other_group, agent) -> World:
    return build(supervisor, other_supervisor, other_group)


@pytest.fixture
def as_admin(client, admin):
    return token_client(client, admin)


@pytest.fixture
def as_supervisor(client, supervisor):
    return token_client(client, supervisor)
