"""Every API operation of the OpenAPI schema, fuzzed by schemathesis through the WSGI app in
process, as an admin, a supervisor and an agent: never a 500, and every answer (status code, content
type, body) is what the schema says. A few examples per operation keep it under a minute: the
examples and fuzzing phases (positive and negative data) run everywhere, the coverage phase
(boundary and malformed values of every parameter) on reads only: on every operation it makes
about 12,000 requests, two minutes here. The malformed inputs found by hand are pinned down one by
one in tests/api/test_malformed.py."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from schemathesis.config import SchemathesisConfig

from accounts.tokens import create_api_token
from contactcenter.wsgi import application
from conversations.routing import route_message
from tests.campaigns.factories import make_campaign
from tests.conversations.factories import inbound, member
from tests.dialer.factories import dialer_for, gateway, spool

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        "operations": [{"include-method": "GET", "phases": {"coverage": {"enabled": True}}}],
    }
)
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = application


@pytest.fixture
def in_test_transaction():
    """The WSGI handler closes the database connection after each request; the test's
    transaction must survive it (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(admin, supervisor, agent, in_test_transaction):
    """An admin's, a supervisor's and an agent's tokens, and something for each to see: a
    campaign with a dialer and a spool, and an interaction the agent holds."""
    provider = gateway("http://127.0.0.1:9")  # refuses connections: a Test send answers 502
    campaign = make_campaign(supervisor, name="campsms", did="", provider=provider)
    dialer_for(supervisor, provider, campaign=campaign, dial_string="0-3")
    spool(campaign, [("099000001", "hello", 0), ("099000002", "world", 1)])
    chat = make_campaign(supervisor, name="chat", did="4000", provider=provider)
    member(chat, agent)
    route_message(inbound(provider, "099000003", did="4000").pk)
    inbound(provider, "099000004", did="9999")  # no campaign takes it: the admins' list
    return {
        "admin": create_api_token(user=admin, name="fuzz")[1],
        "supervisor": create_api_token(user=supervisor, name="fuzz")[1],
        "agent": create_api_token(user=agent, name="fuzz")[1],
    }


@schema.parametrize()
@hypothesis.settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_api(case, tokens):
    for token in tokens.values():
        response = case.call(headers={"Authorization": f"Token {token}"})
        case.validate_response(response, checks=CHECKS)
