"""Shared fixtures: users of each role, a live ASGI server, a real browser, a real Celery worker
and the fake provider server."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import IntegrityError, OperationalError, connections, transaction
from django.test import TransactionTestCase

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from tests.fakeprovider import FakeProviderServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Correct-Horse-42"


# ---------------------------------------------------------------- speed
def pytest_configure(config: pytest.Config) -> None:
    # Tests create users by the hundred; the production hasher costs ~0.3 s a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not hasattr(TransactionTestCase, "_flush_teardown"):  # once, even if imported twice
        TransactionTestCase._flush_teardown = TransactionTestCase._fixture_teardown
        TransactionTestCase._fixture_teardown = _empty_tables


def _empty_tables(self: TransactionTestCase) -> None:
    """Empty the tables after a transactional test, as Django's ``flush`` does, with DELETE
    rather than TRUNCATE on PostgreSQL: TRUNCATE makes new files for every table and index
    (~0.3 s a test, several times that on a busy machine); a DELETE of a test's few rows costs
    milliseconds. Foreign keys are deferred, so the order does not matter. Sequences are not
    reset (nor are they by ``flush`` here); ``post_migrate`` runs again, as after ``flush``."""
    aliases = self._databases_names(include_mirrors=False)
    special = self.available_apps is not None or self.serialized_rollback
    if special or any(connections[a].vendor != "postgresql" for a in aliases):
        TransactionTestCase._flush_teardown(self)
        return
    for alias in aliases:
        connection = connections[alias]
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        for attempt in range(10):
            try:
                with transaction.atomic(using=alias), connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    for table in tables:
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
                break
            except (IntegrityError, OperationalError):
                # The suite's worker (one for the session) is still writing for the test: it
                # committed a row that refers to a deleted one, or it deadlocked with these
                # deletes (a dialer test's sent rows being recorded as messages). Again.
                if attempt == 9:
                    raise
                time.sleep(0.2)
        emit_post_migrate_signal(verbosity=0, interactive=False, db=alias)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup) -> Iterator[None]:  # noqa: ANN001 (pytest-django's own)
    """The test database, and before it is dropped, the counters' trailing publisher stopped:
    its thread keeps a connection while publishes keep coming."""
    from dialer.counters import stop_trailing_publisher

    yield
    stop_trailing_publisher()


# ---------------------------------------------------------------- services the suite needs
@pytest.fixture(scope="session", autouse=True)
def redis_is_reachable() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis at {settings.REDIS_URL} is unreachable ({exc}). Run the suite with `make test` "
            "(it starts a private Redis) or set REDIS_URL.",
            returncode=3,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], seconds: float = 30.0) -> bool:
    """Poll ``predicate`` until it is true (True) or ``seconds`` have passed (False)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)  # a poll interval, not a wait for something to happen
    return True


# ---------------------------------------------------------------- users
def make_user(username: str, role: str, groups: list[SecurityGroup] | None = None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, first_name=username.title()
    )
    if groups:
        user.security_groups.set(groups)
    return user


@pytest.fixture
def group(db) -> SecurityGroup:
    return SecurityGroup.objects.create(name="Sales")


@pytest.fixture
def other_group(db) -> SecurityGroup:
    return SecurityGroup.objects.create(name="Collections")


@pytest.fixture
def admin(db) -> User:
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def supervisor(group) -> User:
    return make_user("sam", Role.SUPERVISOR, [group])


@pytest.fixture
def other_supervisor(other_group) -> User:
    return make_user("olga", Role.SUPERVISOR, [other_group])


@pytest.fixture
def agent(group) -> User:
    return make_user("alex", Role.AGENT, [group])


# ---------------------------------------------------------------- live ASGI server
class LiveServer:
    def __init__(self) -> None:
        import uvicorn

        from contactcenter.asgi import application

        self.port = free_port()
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live ASGI server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    # Server threads close their connections after each request, so the test database can be
    # dropped at the end of the session.
    connections["default"].settings_dict["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock():
        server = LiveServer().start()
        yield server
        server.stop()


@pytest.fixture
def live_url(_asgi_server, transactional_db) -> str:
    """URL of a real ASGI server (HTTP and websockets) sharing the test database."""
    return _asgi_server.url


# ---------------------------------------------------------------- real Celery worker
def _worker_database_url() -> str:
    params = connections["default"].settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
    auth = params.get("USER") or "postgres"
    if params.get("PASSWORD"):
        auth += f":{params['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{params['NAME']}"


class CeleryWorker:
    """A real ``celery worker`` process on the test database and the suite's Redis. One process
    serves every queue unless ``queues`` names some (``contactcenter.queues``)."""

    def __init__(
        self,
        redis_url: str,
        name: str,
        env: dict | None = None,
        args: tuple = (),
        queues: tuple[str, ...] | None = None,
    ) -> None:
        from contactcenter import queues as all_queues

        self.redis_url = redis_url
        self.name = name
        self.queues = queues or all_queues.ALL
        self.extra_env = env or {}
        self.extra_args = list(args)
        self.process: subprocess.Popen | None = None
        self.log = ARTIFACTS / f"{name}.log"
        self.log_start = 0  # the log is appended to: this process's part starts here

    def start(self, timeout: float = 30) -> CeleryWorker:
        return self.spawn().ready(timeout)

    def spawn(self) -> CeleryWorker:
        """Start the process without waiting for it (several start side by side)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": _worker_database_url(),
            **self.extra_env,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        argv = [sys.executable, "-m", "celery", "-A", "contactcenter", "worker", "--pool", "solo",
                "--loglevel", "INFO", "--hostname", f"{self.name}@%h", "--without-mingle",
                "--without-gossip", "--queues", ",".join(self.queues), *self.extra_args]  # fmt: skip
        with self.log.open("ab") as log:
            self.log_start = log.tell()
            # A group of its own: ``kill()`` takes the embedded beat (``-B``, a child process)
            # with it, as a dying machine would, instead of leaving it running after the suite.
            self.process = subprocess.Popen(
                argv, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
            )
        return self

    def ready(self, timeout: float = 30) -> CeleryWorker:
        """Wait until the spawned worker answers a ping."""
        from contactcenter.health import ping_workers

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log}")
            if ping_workers(self.redis_url, timeout=0.5, destination=[self.hostname]):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"celery worker did not answer within {timeout} s")

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def finished(self, task: str) -> int:
        """How many ``task`` runs (dotted name) this process has finished, from its INFO log."""
        with self.log.open("rb") as log:
            log.seek(self.log_start)
            text = log.read().decode(errors="replace")
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]*\] (?:succeeded|raised)", text))

    def idle(self, timeout: float = 0.5) -> bool:
        """True when the worker answers a ping: a solo pool answers only between tasks."""
        from contactcenter.health import ping_workers

        return bool(ping_workers(self.redis_url, timeout=timeout, destination=[self.hostname]))

    def kill(self) -> None:
        """SIGKILL to the worker and its children: no cleanup at all, as when a machine dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup) -> Iterator[CeleryWorker]:
    worker = CeleryWorker(settings.REDIS_URL, "test-worker").start()
    yield worker
    worker.stop()


# ---------------------------------------------------------------- a Redis of the test's own
def _point_celery_at(url: str) -> None:
    """Point this process's Celery app at ``url`` and drop its pooled connections and its result
    backend (this thread's)."""
    from kombu import pools

    from contactcenter.celery import app
    from contactcenter.health import _control_app

    app.conf.broker_url = app.conf.result_backend = url
    # kombu keeps one connection pool per broker URL for the whole process: closing ours alone
    # left a closed pool registered under the suite's URL, and every later publish there failed
    # ("Acquire on closed pool"). Close them all and empty the registry.
    pools.reset()
    app._pool = None
    _control_app.cache_clear()  # the health check's apps hold pools from that registry too
    app.amqp._producer_pool = None
    app._backend_cache = None  # the result backend, cached per app or per thread
    vars(app._local).pop("backend", None)


@pytest.fixture
def private_redis(settings) -> Iterator:
    """A Redis for this test alone (``stop()`` and ``start()`` it for an outage), with this
    process's settings (REDIS_URL, the Celery broker) and Celery app pointed at it. Workers
    started on ``private_redis.url`` share it; the suite's Redis and worker are left alone."""
    from contactcenter.embedded_redis import PrivateRedis
    from contactcenter.redis_urls import celery_url

    server = PrivateRedis(ARTIFACTS / "private-redis" / f"{free_port()}.sock").start()
    before = settings.CELERY_BROKER_URL
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = celery_url(server.url)
    _point_celery_at(celery_url(server.url))
    yield server
    _point_celery_at(before)
    server.stop()


# ---------------------------------------------------------------- fake provider
@pytest.fixture
def fake_provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


# ---------------------------------------------------------------- real browser
@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`)."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous, so its async-context guard does not apply here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )  # fmt: skip
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


def screenshot(tab, name: str) -> Path:
    """Keep a screenshot of what the test saw, under tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def sign_in(tab, live_url: str, username: str, password: str = PASSWORD) -> None:
    tab.goto(f"{live_url}/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    tab.click("button[type=submit]")
