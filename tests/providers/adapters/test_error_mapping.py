"""Every api_type maps a 4xx, a 429, a 5xx and a timeout the same way: only 4xx is permanent."""

from __future__ import annotations

from dataclasses import replace

import pytest

from providers.adapters import registry
from providers.adapters.base import OutgoingSMS, SendError
from tests.fakeprovider import Behaviour, Reply
from tests.providers.adapters.cases import CASES

# Types that put nothing on the wire (the Sandbox: tests/simulator/test_sandbox_provider.py).
OFF_THE_WIRE = {"Sandbox"}


def test_every_api_type_has_a_case():
    assert sorted(CASES) == sorted(set(registry()) - OFF_THE_WIRE)


@pytest.fixture(params=sorted(CASES))
def case(request, monkeypatch):
    case = CASES[request.param]
    with case.server() as server:
        if server.ca_bundle:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        yield case, server


def send(case, config):
    return case.adapter(config).send(
        OutgoingSMS(case.destination, "Hello", reference="ref-1", number=7, encoding="GSM7")
    )


def test_success(case):
    case, server = case
    result = send(case, case.config(server.url))
    assert result.provider_message_id
    assert server.requests


def test_bad_credentials_are_permanent(case):
    case, server = case
    with pytest.raises(SendError) as caught:
        send(case, case.bad_credentials(case.config(server.url)))
    assert caught.value.permanent, caught.value


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_temporary(case, status):
    case, server = case
    server.always(Behaviour(reply=Reply(status, {"error": "try later"})))
    with pytest.raises(SendError) as caught:
        send(case, case.config(server.url))
    assert not caught.value.permanent, caught.value


def test_timeout_is_temporary(case):
    case, server = case
    server.always(Behaviour(delay=2.5))
    config = replace(case.config(server.url), connect_timeout=1, read_timeout=0.5)
    with pytest.raises(SendError) as caught:
        send(case, config)
    assert not caught.value.permanent
    assert "timed out" in caught.value.message


def test_dropped_connection_is_temporary(case):
    case, server = case
    server.always(Behaviour(drop=True))
    with pytest.raises(SendError) as caught:
        send(case, case.config(server.url))
    assert not caught.value.permanent, caught.value
