"""The fake provider server itself: it records, delays, fails and drops on demand."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from tests.fakeprovider import Behaviour, FakeProviderServer, Reply


def post(server: FakeProviderServer, path: str, body: bytes, timeout: float = 5):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def test_records_every_request_and_answers_with_an_id(fake_provider):
    status, body = post(fake_provider, "/send?x=1", b'{"to": "+598"}')
    assert status == 200 and json.loads(body)["id"] == "msg-1"
    (request,) = fake_provider.requests
    assert request.method == "POST" and request.path == "/send"
    assert request.query == {"x": ["1"]}
    assert request.json() == {"to": "+598"}
    assert request.header("Content-Type") == "application/json"


def test_error_code_then_back_to_normal(fake_provider):
    fake_provider.then(Behaviour(reply=Reply(503, {"error": "busy"})))
    assert post(fake_provider, "/send", b"{}") == (503, b'{"error": "busy"}')
    assert post(fake_provider, "/send", b"{}")[0] == 200


def test_delay(fake_provider):
    fake_provider.then(Behaviour(delay=0.4))
    started = time.monotonic()
    post(fake_provider, "/send", b"{}")
    assert time.monotonic() - started >= 0.4
    fake_provider.then(Behaviour(delay=2))
    with pytest.raises(TimeoutError):
        post(fake_provider, "/send", b"{}", timeout=0.3)


def test_dropped_connection(fake_provider):
    fake_provider.always(Behaviour(drop=True))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(fake_provider, "/send", b"{}")
    assert len(fake_provider.requests) == 1


def test_dialects_decide_the_normal_answer():
    class Teapot:
        name = "teapot"

        def matches(self, request):
            return request.path == "/tea"

        def answer(self, request, server):
            return Reply(418, "short and stout")

    with FakeProviderServer(dialects=[Teapot()]) as server:
        assert post(server, "/tea", b"") == (418, b"short and stout")
        assert post(server, "/other", b"")[0] == 200
