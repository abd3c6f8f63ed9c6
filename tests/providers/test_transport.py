"""providers.adapters.transport over real HTTP, against servers on 127.0.0.1: connections kept
alive and reused per origin, stale and closed connections not reused, timeouts, refused and
dropped connections, TLS verification, URL encoding, headers, threads sharing one pool, and the
mapping of TransportError to SendError by HttpSender.

Three kinds of server: the project's fake provider (recorded requests, behaviours, TLS), an echo
server on http.server that counts the TCP connections it accepts and can hang up on its idle
connections, and a raw socket server that plays answers no well-behaved server gives.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from contextlib import ExitStack, contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509

from providers.adapters import transport
from providers.adapters.base import OutgoingSMS, ProviderConfig, SendError
from providers.adapters.transport import (
    KEEP_PER_ORIGIN,
    USER_AGENT,
    Connections,
    Route,
    TransportError,
    closed_by_peer,
    route_of,
)
from providers.adapters.urlapi import URLPOSTSMS
from tests.fakeprovider import Behaviour, FakeProviderServer, Reply
from tests.fakeprovider.dialects.urlgateway import URLGatewayDialect
from tests.fakeprovider.tls import make_certificate


# ---------------------------------------------------------------- helpers
def wait_until(predicate, timeout=3.0):
    """Poll ``predicate`` until it is true; False when ``timeout`` seconds passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def echoed(reply):
    assert reply.status == 200, reply
    return json.loads(reply.content)


def certificate_for(directory, name):
    """A self-signed certificate valid for the DNS name ``name`` only (not for 127.0.0.1)."""
    return make_certificate(Path(directory), name, (x509.DNSName(name),), prefix="other-")


# ---------------------------------------------------------------- an echo server
class EchoHandler(BaseHTTPRequestHandler):
    """Answers every request 200 with JSON describing it and the connection it came on."""

    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    server: EchoServer

    def log_message(self, format, *args):  # noqa: A002  (stdlib signature)
        return

    def _echo(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if server.gate is not None and "gate=1" in self.path:
            with suppress(threading.BrokenBarrierError):
                server.gate.wait()
        if server.delay:
            time.sleep(server.delay)
        with server.lock:
            number = server.numbers[self.client_address]
        payload = json.dumps(
            {
                "id": f"echo-{number}-{self.path}",
                "method": self.command,
                "target": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": body.decode("latin-1"),
                "connection": number,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if server.close_replies:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _echo


class EchoServer(ThreadingHTTPServer):
    """``accepted`` counts TCP connections; ``open`` holds those not closed yet by the server;
    ``hang_up()`` closes the idle ones the way a server's keep-alive timeout does."""

    daemon_threads = True

    def __init__(self, certificate=None):
        super().__init__(("127.0.0.1", 0), EchoHandler)
        self.lock = threading.Lock()
        self.accepted = 0
        self.numbers = {}  # client address -> number of the connection (1, 2, ...)
        self.open = {}  # client address -> socket
        self.close_replies = False
        self.delay = 0.0
        self.gate = None  # a Barrier that requests with gate=1 in the URL wait on
        self.tls = certificate is not None
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.server_address[1]}"

    def get_request(self):
        sock, address = super().get_request()
        with self.lock:
            self.accepted += 1
            self.numbers[address] = self.accepted
            self.open[address] = sock
        return sock, address

    def shutdown_request(self, request):
        super().shutdown_request(request)
        with self.lock:
            self.open = {a: s for a, s in self.open.items() if s is not request}

    def hang_up(self):
        with self.lock:
            sockets = list(self.open.values())
        for sock in sockets:
            with suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        assert wait_until(lambda: not self.open), "the server kept connections open"


@contextmanager
def running(server):
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.hang_up()
        server.server_close()
        thread.join(timeout=2)


# ---------------------------------------------------------------- a raw socket server
def read_request(conn):
    """One HTTP request from ``conn``: (head, body), or None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head.decode("latin-1"), body


def respond(conn, body, extra=b""):
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s%s"
        % (len(body), body, extra)
    )


class RawServer:
    """Runs ``script(conn, number, stop)`` for each accepted connection (numbered from 1)."""

    def __init__(self, script):
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.stop = threading.Event()
        self.accepted = 0
        self.conns, self.threads = [], []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            self.accepted += 1
            self.conns.append(conn)
            thread = threading.Thread(target=self._run, args=(conn, self.accepted), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, conn, number):
        try:
            self.script(conn, number, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self):
        self._acceptor.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self._acceptor.join(timeout=2)
        self.listener.close()
        for conn in self.conns:  # unblocks scripts still reading
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(timeout=2)


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def connections():
    pool = Connections(connect_timeout=2, read_timeout=2)
    yield pool
    pool.close()


@pytest.fixture
def echo():
    with running(EchoServer()) as server:
        yield server


@pytest.fixture
def trust(monkeypatch):
    """``trust(path)`` makes the certificates in ``path`` the only trusted ones; the cached TLS
    context is dropped before and after so no other test sees them."""
    transport.tls_context.cache_clear()

    def trust(path):
        monkeypatch.setenv("SSL_CERT_FILE", str(path))
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        transport.tls_context.cache_clear()

    yield trust
    transport.tls_context.cache_clear()


@pytest.fixture
def tls_fake():
    with FakeProviderServer(tls=True) as server:
        yield server


# ---------------------------------------------------------------- keep-alive
def test_a_connection_is_kept_alive_and_reused(echo, connections):
    first = echoed(connections.request("GET", echo.url + "/one", None, {}))
    second = echoed(connections.request("POST", echo.url + "/two", b"x", {}))
    third = echoed(connections.request("GET", echo.url + "/three", None, {}))
    assert echo.accepted == 1
    assert first["connection"] == second["connection"] == third["connection"] == 1
    assert [first["target"], second["target"], third["target"]] == ["/one", "/two", "/three"]


def test_each_origin_has_its_own_kept_alive_connection(connections):
    with running(EchoServer()) as a, running(EchoServer()) as b:
        for n in range(3):
            assert echoed(connections.request("GET", f"{a.url}/a{n}", None, {}))["target"] == (
                f"/a{n}"
            )
            assert echoed(connections.request("GET", f"{b.url}/b{n}", None, {}))["target"] == (
                f"/b{n}"
            )
        assert (a.accepted, b.accepted) == (1, 1)


def test_a_connection_the_server_closed_while_idle_is_not_reused(echo, connections):
    assert echoed(connections.request("GET", echo.url + "/before", None, {}))["connection"] == 1
    echo.hang_up()  # what a server's keep-alive timeout does
    after = echoed(connections.request("POST", echo.url + "/after", b"payload", {}))
    assert after["connection"] == 2 and after["body"] == "payload"
    assert echo.accepted == 2
    # and the new connection is kept in turn
    assert echoed(connections.request("GET", echo.url + "/again", None, {}))["connection"] == 2


def test_closed_by_peer(echo):
    conn = http.client.HTTPConnection("127.0.0.1", echo.server_address[1], timeout=2)
    assert not closed_by_peer(conn)  # not connected yet: nothing to notice
    conn.request("GET", "/")
    conn.getresponse().read()
    try:
        assert not closed_by_peer(conn)  # idle and alive
        echo.hang_up()
        assert wait_until(lambda: closed_by_peer(conn))
    finally:
        conn.close()


def test_connection_close_in_the_reply_is_honoured(echo, connections):
    echo.close_replies = True
    first = echoed(connections.request("GET", echo.url + "/one", None, {}))
    second = echoed(connections.request("GET", echo.url + "/two", None, {}))
    assert (first["connection"], second["connection"]) == (1, 2)
    assert echo.accepted == 2
    assert wait_until(lambda: not echo.open)  # neither side keeps them


def test_a_reply_delimited_by_close_is_read_whole_and_not_kept(connections):
    def http10(conn, number, stop):
        read_request(conn)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nconnection %d" % number)

    with RawServer(http10) as server:
        assert connections.request("GET", server.url, None, {}).content == b"connection 1"
        assert connections.request("GET", server.url, None, {}).content == b"connection 2"
        assert server.accepted == 2


def test_an_idle_connection_with_unasked_data_is_not_reused(connections):
    """A server may write on an idle connection (a 408 before closing it, say): that must not be
    taken for the answer to the next request."""
    read_first, unasked_sent = threading.Event(), threading.Event()

    def chatty(conn, number, stop):
        read_request(conn)
        respond(conn, b"answer %d" % number)
        if number == 1:
            read_first.wait(5)
            conn.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
            unasked_sent.set()
        while read_request(conn) is not None:
            respond(conn, b"again on connection %d" % number)

    with RawServer(chatty) as server:
        assert connections.request("GET", server.url, None, {}).content == b"answer 1"
        read_first.set()
        assert unasked_sent.wait(5)
        reply = connections.request("GET", server.url, None, {})
        assert (reply.status, reply.content) == (200, b"answer 2")
        assert server.accepted == 2
        connections.close()


# ---------------------------------------------------------------- failures
def test_a_server_that_never_answers_times_out():
    def silent(conn, number, stop):
        read_request(conn)
        stop.wait(5)

    pool = Connections(connect_timeout=2, read_timeout=0.5)
    with RawServer(silent) as server:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            pool.request("POST", server.url + "/send", b"hello", {})
        elapsed = time.monotonic() - started
    assert (caught.value.permanent, caught.value.code) == (False, "timeout")
    assert 0.4 <= elapsed < 2.5, elapsed
    assert "timed out" in str(caught.value)


def test_after_a_timeout_the_next_request_uses_a_new_connection():
    def first_silent(conn, number, stop):
        read_request(conn)
        if number == 1:
            stop.wait(5)
            return
        respond(conn, b"answered")
        while read_request(conn) is not None:
            respond(conn, b"answered again")

    pool = Connections(connect_timeout=2, read_timeout=0.3)
    with RawServer(first_silent) as server:
        with pytest.raises(TransportError):
            pool.request("GET", server.url, None, {})
        assert pool.request("GET", server.url, None, {}).content == b"answered"
        assert pool.request("GET", server.url, None, {}).content == b"answered again"
        assert server.accepted == 2
        pool.close()


def test_connection_refused_is_temporary(connections):
    with pytest.raises(TransportError) as caught:
        connections.request("GET", f"http://127.0.0.1:{closed_port()}/send", None, {})
    assert (caught.value.permanent, caught.value.code) == (False, "connection")
    assert "connection failed" in str(caught.value)


def test_a_dropped_connection_is_temporary_and_not_retried(fake_provider, connections):
    fake_provider.then(Behaviour(), Behaviour(drop=True))
    url = fake_provider.url + "/send"
    assert connections.request("POST", url, b"one", {}).status == 200
    with pytest.raises(TransportError) as caught:
        connections.request("POST", url, b"two", {})  # on the kept-alive connection
    assert (caught.value.permanent, caught.value.code) == (False, "connection")
    assert [r.body for r in fake_provider.requests] == [b"one", b"two"]  # sent once, no retry
    assert connections.request("POST", url, b"three", {}).status == 200
    assert [r.body for r in fake_provider.requests] == [b"one", b"two", b"three"]


def test_a_server_that_closes_without_answering_is_temporary(connections):
    def hang_up(conn, number, stop):
        read_request(conn)

    with RawServer(hang_up) as server:
        with pytest.raises(TransportError) as caught:
            connections.request("GET", server.url + "/send", None, {})
        assert server.accepted == 1
    assert (caught.value.permanent, caught.value.code) == (False, "connection")


def test_error_statuses_and_redirects_are_answers_not_errors(fake_provider, connections):
    fake_provider.then(
        Behaviour(reply=Reply(503, "busy")),
        Behaviour(reply=Reply(302, b"", {"Location": fake_provider.url + "/elsewhere"})),
    )
    busy = connections.request("POST", fake_provider.url + "/send", b"x", {})
    assert (busy.status, busy.reason, busy.content) == (503, "Service Unavailable", b"busy")
    moved = connections.request("POST", fake_provider.url + "/send", b"x", {})
    assert moved.status == 302 and moved.headers.get("location").endswith("/elsewhere")
    assert [r.path for r in fake_provider.requests] == ["/send", "/send"]  # not followed


def test_a_bad_header_value_is_permanent(fake_provider, connections):
    with pytest.raises(TransportError) as caught:
        connections.request("GET", fake_provider.url, None, {"X-Note": "a\r\nInjected: yes"})
    assert (caught.value.permanent, caught.value.code) == (True, "request")
    assert fake_provider.requests == []
    assert connections.request("GET", fake_provider.url, None, {"X-Note": "fine"}).status == 200


# ---------------------------------------------------------------- TLS
def test_an_untrusted_certificate_is_permanent(tls_fake, trust, connections):
    with pytest.raises(TransportError) as caught:
        connections.request("POST", tls_fake.url + "/send", b"x", {})
    assert (caught.value.permanent, caught.value.code) == (True, "request")
    assert "certificate verify failed" in str(caught.value)
    assert tls_fake.requests == []


def test_a_trusted_certificate_is_accepted(tls_fake, trust, connections):
    assert tls_fake.url.startswith("https://127.0.0.1:")  # the certificate names 127.0.0.1
    trust(tls_fake.ca_bundle)
    reply = connections.request("POST", tls_fake.url + "/send", b'{"a": 1}', {})
    assert reply.status == 200 and json.loads(reply.content)["id"]
    (request,) = tls_fake.requests
    assert (request.method, request.path, request.body) == ("POST", "/send", b'{"a": 1}')


def test_a_tls_connection_is_kept_alive(tmp_path, trust, connections):
    cert, key = make_certificate(tmp_path)
    trust(cert)
    with running(EchoServer(certificate=(cert, key))) as server:
        numbers = [
            echoed(connections.request("GET", f"{server.url}/{n}", None, {}))["connection"]
            for n in range(3)
        ]
        assert numbers == [1, 1, 1] and server.accepted == 1
        connections.close()


def test_the_host_name_is_verified(tmp_path, trust, connections):
    cert, key = certificate_for(tmp_path, "other.example")
    trust(cert)  # trusted, but for another name than the one requested
    server = EchoServer(certificate=(cert, key))
    with running(server), pytest.raises(TransportError) as caught:
        connections.request("GET", server.url, None, {})
    assert (caught.value.permanent, caught.value.code) == (True, "request")
    assert "mismatch" in str(caught.value)


# ---------------------------------------------------------------- URLs
@pytest.mark.parametrize(
    "url, route",
    [
        ("http://example.com", Route("http", "example.com", 80, "/")),
        ("https://example.com/a", Route("https", "example.com", 443, "/a")),
        ("http://example.com:8080/a/b?x=1&y=2", Route("http", "example.com", 8080, "/a/b?x=1&y=2")),
        ("https://example.com:8443", Route("https", "example.com", 8443, "/")),
        ("http://example.com?x=1", Route("http", "example.com", 80, "/?x=1")),
        ("  http://example.com/p  ", Route("http", "example.com", 80, "/p")),
        ("HTTP://Example.COM/Path", Route("http", "example.com", 80, "/Path")),
        ("http://example.com/p#fragment", Route("http", "example.com", 80, "/p")),
        ("http://[::1]:8080/p", Route("http", "::1", 8080, "/p")),
        ("http://example.com/a b?q=hola mundo", Route("http", "example.com", 80, "/a%20b?q=hola%20mundo")),
        ("http://example.com/café?n=Ñandú €", Route("http", "example.com", 80, "/caf%C3%A9?n=%C3%91and%C3%BA%20%E2%82%AC")),
        ("http://example.com/a%20b?q=x%2By%26z", Route("http", "example.com", 80, "/a%20b?q=x%2By%26z")),
        ("http://example.com/a b%20c", Route("http", "example.com", 80, "/a%20b%20c")),
        ("http://example.com/p;v=1?a=b,c&d=$@:!*'()+", Route("http", "example.com", 80, "/p;v=1?a=b,c&d=$@:!*'()+")),
        ('http://example.com/<"{x}">?q=a|b^c', Route("http", "example.com", 80, "/%3C%22%7Bx%7D%22%3E?q=a%7Cb%5Ec")),
        ("http://example.com/50%off?d=10%&e=%4", Route("http", "example.com", 80, "/50%25off?d=10%25&e=%254")),
    ],
)  # fmt: skip
def test_route_of(url, route):
    assert route_of(url) == route
    assert route.origin == (route.scheme, route.host, route.port)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "example.com/send",
        "//example.com/send",
        "http:///send",
        "http://",
        "",
        "http://example.com:99999/",
        "http://example.com:port/",
    ],
)
def test_route_of_refuses_what_cannot_be_requested(url):
    with pytest.raises(TransportError) as caught:
        route_of(url)
    assert (caught.value.permanent, caught.value.code) == (True, "request")


def test_the_target_goes_on_the_wire_encoded(fake_provider, connections):
    url = fake_provider.url + "/send path/ñ?text=hola mundo €&done=a%20b&plus=1+1"
    assert connections.request("GET", url, None, {}).status == 200
    (request,) = fake_provider.requests
    assert request.target == "/send%20path/%C3%B1?text=hola%20mundo%20%E2%82%AC&done=a%20b&plus=1+1"
    assert request.path == "/send%20path/%C3%B1"  # the fake server does not decode paths
    assert request.query == {"text": ["hola mundo €"], "done": ["a b"], "plus": ["1 1"]}


def test_a_bad_url_is_refused_before_connecting(connections):
    with pytest.raises(TransportError) as caught:
        connections.request("GET", "ftp://127.0.0.1/file", None, {})
    assert (caught.value.permanent, caught.value.code) == (True, "request")


def test_a_host_with_a_space_is_a_permanent_transport_error(connections):
    with pytest.raises(TransportError) as caught:
        connections.request("GET", "http://gw example.com/send", None, {})
    assert (caught.value.permanent, caught.value.code) == (True, "request")


# ---------------------------------------------------------------- headers and bodies
def test_method_target_headers_and_body_arrive_as_given(fake_provider, connections):
    body = "Hola Ñandú €".encode()
    reply = connections.request(
        "PUT",
        fake_provider.url + "/v1/messages?x=1",
        body,
        {"Content-Type": "text/plain; charset=utf-8", "X-Api-Key": "k-1"},
    )
    assert reply.status == 200
    (request,) = fake_provider.requests
    assert (request.method, request.path, request.query) == ("PUT", "/v1/messages", {"x": ["1"]})
    assert request.header("Content-Type") == "text/plain; charset=utf-8"
    assert request.header("X-Api-Key") == "k-1"
    assert request.header("Content-Length") == str(len(body))
    assert request.header("Host") == f"127.0.0.1:{fake_provider.port}"
    assert request.body == body


def test_a_user_agent_is_sent_unless_given(fake_provider, connections):
    connections.request("GET", fake_provider.url, None, {})
    connections.request("GET", fake_provider.url, None, {"User-Agent": "Acme/2.0"})
    assert [r.header("User-Agent") for r in fake_provider.requests] == [USER_AGENT, "Acme/2.0"]


def test_a_user_agent_given_in_lower_case_is_not_doubled(connections):
    heads = []

    def capture(conn, number, stop):
        heads.append(read_request(conn)[0])
        respond(conn, b"ok")

    with RawServer(capture) as server:
        connections.request("GET", server.url, None, {"user-agent": "Acme/2.0"})
    sent = [line for line in heads[0].split("\r\n") if line.lower().startswith("user-agent:")]
    assert sent == ["user-agent: Acme/2.0"]


def test_a_request_without_body(echo, connections):
    for method in ("GET", "DELETE"):
        request = echoed(connections.request(method, echo.url + "/x", None, {}))
        assert (request["method"], request["body"]) == (method, "")
    posted = echoed(connections.request("POST", echo.url + "/x", None, {}))
    assert ["Content-Length", "0"] in posted["headers"]


def test_the_reply_headers_are_case_insensitive(fake_provider, connections):
    fake_provider.then(Behaviour(reply=Reply(201, {"id": "m-1"}, {"X-Request-Id": "r-7"})))
    reply = connections.request("POST", fake_provider.url + "/send", b"{}", {})
    assert (reply.status, reply.reason) == (201, "Created")
    assert json.loads(reply.content) == {"id": "m-1"}
    assert reply.headers.get("content-type") == "application/json"
    assert reply.headers.get("CONTENT-TYPE") == "application/json"
    assert reply.headers.get("x-request-id") == reply.headers.get("X-Request-Id") == "r-7"
    assert reply.headers.get("x-missing", "none") == "none"


# ---------------------------------------------------------------- threads
def test_threads_share_one_pool(echo, connections):
    workers, per_worker = KEEP_PER_ORIGIN + 2, 25
    # The first request of every worker waits on the server for all the others: that many
    # connections are open at once, more than the pool may keep.
    echo.gate = threading.Barrier(workers, timeout=5)
    origin = route_of(echo.url).origin
    wrong, errors, most_idle = [], [], [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            most_idle[0] = max(most_idle[0], len(connections._idle.get(origin, ())))
            time.sleep(0.0005)

    def work(worker):
        for n in range(per_worker):
            target, body = f"/w{worker}?n={n}&gate={int(n == 0)}", f"{worker}:{n}"
            try:
                reply = echoed(connections.request("POST", echo.url + target, body.encode(), {}))
            except (TransportError, AssertionError) as exc:
                errors.append(exc)
                continue
            if (reply["target"], reply["body"]) != (target, body):
                wrong.append((target, body, reply))

    watcher = threading.Thread(target=watch, daemon=True)
    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    done.set()
    watcher.join(timeout=2)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == [] and wrong == []
    idle = connections._idle[origin]
    assert 1 <= len(idle) <= KEEP_PER_ORIGIN
    assert most_idle[0] <= KEEP_PER_ORIGIN
    assert echo.accepted >= workers  # the gate made that many connections at once...
    assert wait_until(lambda: len(echo.open) == len(idle))  # ...and those not kept were closed


# ---------------------------------------------------------------- through an adapter
def post_adapter(url, **config):
    return URLPOSTSMS(
        ProviderConfig(
            "URLPOSTSMS",
            endpoint=url + "/send",
            settings={
                "body_template": '{"to": "{destination}", "text": "{message}"}',
                "content_type": "json",
            },
            **config,
        )
    )


def sms(text="Hola Ñandú"):
    return OutgoingSMS("+59899123456", text, reference="ref-1", number=7)


def test_an_adapter_sends_on_one_kept_alive_connection(echo):
    adapter = post_adapter(echo.url)
    first, second = adapter.send(sms("one")), adapter.send(sms("two"))
    assert echo.accepted == 1
    assert first.provider_message_id == "echo-1-/send" == second.provider_message_id
    request = json.loads(first.raw)
    assert request["method"] == "POST" and json.loads(request["body"]) == {
        "to": "+59899123456",
        "text": "one",
    }
    headers = {name.lower(): value for name, value in request["headers"]}
    assert headers["user-agent"] == USER_AGENT and headers["content-type"] == "application/json"
    adapter.connections.close()


def _timeout(stack):
    def silent(conn, number, stop):
        read_request(conn)
        stop.wait(5)

    return stack.enter_context(RawServer(silent)).url, {"read_timeout": 0.3}


def _refused(stack):
    return f"http://127.0.0.1:{closed_port()}", {}


def _dropped(stack):
    server = stack.enter_context(FakeProviderServer(dialects=[URLGatewayDialect()]))
    server.always(Behaviour(drop=True))
    return server.url, {}


def _untrusted(stack):
    transport.tls_context.cache_clear()
    stack.callback(transport.tls_context.cache_clear)
    return stack.enter_context(FakeProviderServer(tls=True)).url, {}


def _not_http(stack):
    return "ftp://127.0.0.1", {}


@pytest.mark.parametrize(
    "make, permanent, code",
    [
        (_timeout, False, "timeout"),
        (_refused, False, "connection"),
        (_dropped, False, "connection"),
        (_untrusted, True, "request"),
        (_not_http, True, "request"),
    ],
    ids=["timeout", "refused", "dropped", "untrusted-tls", "not-http"],
)
def test_http_sender_maps_transport_errors_to_send_errors(make, permanent, code):
    with ExitStack() as stack:
        url, config = make(stack)
        adapter = post_adapter(url, connect_timeout=2, **config)
        with pytest.raises(SendError) as caught:
            adapter.send(sms())
        adapter.connections.close()
    error, cause = caught.value, caught.value.__cause__
    assert isinstance(cause, TransportError)
    assert (error.permanent, error.code) == (cause.permanent, cause.code) == (permanent, code)
    assert error.message == str(cause) and error.http_status is None


def test_http_sender_succeeds_against_the_fake_gateway(fake_provider):
    fake_provider.dialects.insert(0, URLGatewayDialect())
    adapter = post_adapter(fake_provider.url)
    result = adapter.send(sms())
    (request,) = fake_provider.requests
    assert request.json() == {"to": "+59899123456", "text": "Hola Ñandú"}
    assert result.provider_message_id == json.loads(result.raw)["id"]
    adapter.connections.close()
