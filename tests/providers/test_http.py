"""The one HTTP client (providers/adapters/http.py) through the URL adapters, against the fake
provider over real HTTP: keep-alive, timeouts, TLS, URL encoding, threads, proxies, Digest."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import replace

import pytest

from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, ProviderConfig, SendError
from providers.adapters.http import HttpClient, proxy_for, transport_error
from providers.adapters.redaction import Redactor
from tests.fakeprovider import Behaviour, FakeProviderServer, Reply
from tests.fakeprovider.dialects import DinstarDialect
from tests.fakeprovider.dialects.urlgateway import URLGatewayDialect


@pytest.fixture
def gateway():
    with FakeProviderServer(dialects=[URLGatewayDialect()]) as server:
        yield server


@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def url_adapter(endpoint: str, **values):
    config = ProviderConfig(
        "URLSMS", endpoint=endpoint, settings={"id_pattern": r"id=(\S+)"}, **values
    )
    return adapter_class("URLSMS")(config)


def sms(text: str = "Hola Ñandú", destination: str = "+59899123456") -> OutgoingSMS:
    return OutgoingSMS(destination, text, reference="r1")


# ---------------------------------------------------------------- connections
def test_one_kept_alive_connection_carries_every_send(gateway):
    adapter = url_adapter(gateway.url + "/send?to={destination}&text={message}")
    for n in range(5):
        adapter.send(sms(destination=f"+5989900000{n}"))
    assert len({r.peer for r in gateway.requests}) == 1


def test_a_connection_the_server_closes_is_not_reused(gateway):
    adapter = url_adapter(gateway.url + "/send?to={destination}&text={message}")
    gateway.then(Behaviour(reply=Reply(200, "OK id=1", {"Connection": "close"})))
    adapter.send(sms())
    adapter.send(sms())
    first, second = gateway.requests
    assert first.peer != second.peer


def test_a_timeout_is_temporary_and_the_next_send_works(gateway):
    adapter = url_adapter(gateway.url + "/send?to={destination}&text={message}", read_timeout=0.3)
    gateway.then(Behaviour(delay=1.0))
    with pytest.raises(SendError) as caught:
        adapter.send(sms())
    assert not caught.value.permanent and caught.value.code == "timeout"
    assert adapter.send(sms()).provider_message_id.startswith("gw-")


def test_a_refused_connection_is_temporary():
    adapter = url_adapter("http://127.0.0.1:9/send?to={destination}", connect_timeout=1)
    with pytest.raises(SendError) as caught:
        adapter.send(sms())
    assert not caught.value.permanent and caught.value.code == "connection"


def test_threads_share_one_adapter(gateway):
    adapter = url_adapter(gateway.url + "/send?to={destination}&text={message}")
    errors, ids = [], []

    def work(worker: int) -> None:
        for n in range(20):
            try:
                ids.append(adapter.send(sms(f"{worker}:{n}")).provider_message_id)
            except SendError as exc:  # pragma: no cover - the assertion shows it
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(set(ids)) == 160
    texts = sorted(r.query["text"][0] for r in gateway.requests)
    assert texts == sorted(f"{w}:{n}" for w in range(8) for n in range(20))
    assert len({r.peer for r in gateway.requests}) <= 8 * 2  # kept alive, not one per send


# ---------------------------------------------------------------- URLs
def test_url_encoding_and_a_lone_percent(gateway):
    adapter = url_adapter(gateway.url + "/send?to={destination}&text={message}&off=50%&x=a%20b")
    adapter.send(sms("ñ €&x=1 100%"))
    target = gateway.requests[0].target
    assert "text=%C3%B1%20%E2%82%AC%26x%3D1%20100%25&off=50%25&x=a%20b" in target


def test_a_url_that_cannot_be_requested_is_permanent():
    client = HttpClient(1, 1)
    with pytest.raises(SendError) as caught:
        client.request("GET", "http://exa mple.com:99999/x", None, {})
    assert caught.value.permanent, caught.value


# ---------------------------------------------------------------- TLS
@pytest.fixture
def tls_gateway():
    with FakeProviderServer(dialects=[URLGatewayDialect()], tls=True) as server:
        yield server


def test_an_untrusted_certificate_is_permanent(tls_gateway, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    adapter = url_adapter(tls_gateway.url + "/send?to={destination}")
    with pytest.raises(SendError) as caught:
        adapter.send(sms())
    assert caught.value.permanent and caught.value.code == "tls"
    assert tls_gateway.requests == []


def test_a_trusted_certificate_is_accepted(tls_gateway, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_gateway.ca_bundle))
    adapter = url_adapter(tls_gateway.url + "/send?to={destination}")
    adapter.send(sms())
    adapter.send(sms())
    assert len({r.peer for r in tls_gateway.requests}) == 1  # TLS kept alive too


def test_verification_can_be_turned_off_per_provider(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with FakeProviderServer(dialects=[DinstarDialect("admin", "gw-pass")], tls=True) as server:
        config = ProviderConfig(
            "DinstarWeb", endpoint=server.url, username="admin", password="gw-pass", ports="0"
        )
        adapter_class("DinstarWeb")(config).send(sms())
        with pytest.raises(SendError) as caught:
            checked = replace(config, settings={"verify_tls": "yes"})
            adapter_class("DinstarWeb")(checked).send(sms())
        assert caught.value.code == "tls"


def test_digest_challenge_is_answered_once_then_reused():
    with FakeProviderServer(dialects=[DinstarDialect("admin", "gw-pass")]) as server:
        config = ProviderConfig(
            "DinstarWeb", endpoint=server.url, username="admin", password="gw-pass", ports="0"
        )
        adapter = adapter_class("DinstarWeb")(config)
        for _ in range(3):
            adapter.send(sms())
        assert len(server.requests) == 4  # one challenge, three authenticated sends


# ---------------------------------------------------------------- proxies
def test_http_proxy_carries_the_request(gateway, no_proxy_env, monkeypatch):
    # The fake server plays the forward proxy: a proxied request names the whole URL.
    monkeypatch.setenv("HTTP_PROXY", gateway.url)
    adapter = url_adapter("http://sms.provider.invalid:8080/send?to={destination}")
    adapter.send(sms())
    (request,) = gateway.requests
    assert request.target == "http://sms.provider.invalid:8080/send?to=%2B59899123456"
    assert request.path == "/send"


def test_no_proxy_bypasses_it(gateway, no_proxy_env, monkeypatch):
    with FakeProviderServer(dialects=[URLGatewayDialect()]) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        url_adapter(gateway.url + "/send?to={destination}").send(sms())
        assert proxy.requests == []
    assert gateway.requests[0].target.startswith("/send?")


def test_proxy_choice_follows_the_standard_variables(no_proxy_env, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,.corp")
    assert proxy_for("https://api.twilio.com/x") == "http://proxy.example:3128"
    assert proxy_for("http://api.example/x") is None  # HTTPS_PROXY is for https only
    assert proxy_for("https://internal.example/x") is None
    assert proxy_for("https://gw.corp/x") is None


# ---------------------------------------------------------------- errors and secrets
def test_transport_errors_never_carry_the_url():
    client = HttpClient(1, 1)
    with pytest.raises(SendError) as caught:
        client.request("GET", "http://127.0.0.1:9/send?pass=hunter22", None, {})
    assert "hunter22" not in str(caught.value)


def test_the_redactor_masks_every_form_of_a_secret():
    redact = Redactor(["p@ss w/rd+ñ", "dXNlcjpwQHNzIHcvcmQrw7E="])
    for form in (
        "p@ss w/rd+ñ",
        "p%40ss%20w%2Frd%2B%C3%B1",
        "p%40ss%20w%2frd%2b%c3%b1",
        "p%40ss+w%2Frd%2B%C3%B1",
        "p@ss w/rd+\\u00f1",
        "dXNlcjpwQHNzIHcvcmQrw7E=",
    ):
        assert redact(f"echo: {form}!") == "echo: ***!", form


def test_requests_errors_of_the_sdks_map_the_same_way():
    import requests

    assert transport_error(requests.ConnectTimeout("x")).code == "timeout"
    assert transport_error(requests.ConnectionError("x")).code == "connection"
    assert transport_error(requests.exceptions.SSLError("x")).permanent


class TunnelProxy:
    """A tiny forward proxy that only tunnels (CONNECT), recording what it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ")[:2]
        self.asked.append(f"{method.decode()} {target.decode()}")
        host, port = target.decode().rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def test_https_proxy_tunnels_tls(tls_gateway, no_proxy_env, monkeypatch):
    proxy = TunnelProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(tls_gateway.ca_bundle))
        endpoint = f"https://localhost:{tls_gateway.port}/send?to={{destination}}"
        url_adapter(endpoint).send(sms())
    finally:
        proxy.close()
    assert proxy.asked == [f"CONNECT localhost:{tls_gateway.port}"]
    assert tls_gateway.requests[0].target == "/send?to=%2B59899123456"  # TLS end to end
