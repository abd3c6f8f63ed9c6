"""Redis away: what a request stores is answered as stored, and once Redis is back the sweeper
(run by a worker when it starts, and on beat) resumes it, exactly once. Each test has a Redis of
its own that it stops around the request and starts again."""

from __future__ import annotations

import collections
import time

import pytest

from accounts.tokens import create_api_token
from contactcenter.sweeper import sweep
from conversations.models import Message
from conversations.states import Routing
from dialer.models import Dialer, SpoolRow, SpoolUpload
from dialer.states import SpoolState as S
from providers.services import save_provider
from tests.campaigns.factories import make_campaign
from tests.conftest import CeleryWorker, wait_until
from tests.dialer.factories import dialer_for, gateway
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import TwilioDialect
from tests.providers.factories import TWILIO_SID

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_WITHIN = 3.0  # seconds: a request must not hang on a broker that is away


@pytest.fixture
def worker_after_outage(private_redis):
    """Starts a real worker on the test's Redis; its start runs the sweeper (worker_ready)."""
    started = []

    def start() -> CeleryWorker:
        worker = CeleryWorker(
            private_redis.url,
            f"sweeper-{private_redis.socket_path.stem}",
            env={"SWEEP_AFTER_SECONDS": "0", "DIALER_TASK_SECONDS": "3"},
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def provider_server():
    with FakeProviderServer() as server:
        yield server


def test_sendsms_while_redis_is_away_is_stored_then_sent_once(
    client, supervisor, private_redis, provider_server, worker_after_outage, settings
):
    settings.SWEEP_AFTER_SECONDS = 0
    dialer = dialer_for(supervisor, gateway(provider_server.url))
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    token = create_api_token(user=supervisor, name="crm")[1]
    private_redis.stop()
    began = time.monotonic()
    response = client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "+59899123456", "message": "Hi", "campaign": dialer.campaign.name},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    answered = time.monotonic() - began
    assert response.status_code == 200, response.content
    row = SpoolRow.objects.get(pk=response.json()["id"])
    assert row.state == S.TO_PROCESS and answered < ANSWER_WITHIN
    private_redis.start()
    worker_after_outage()  # its start runs the sweeper: the running dialer gets a batch task
    assert wait_until(lambda: SpoolRow.objects.get(pk=row.pk).state == S.SENT)
    assert sweep() is not None  # another run finds nothing more to do
    received = collections.Counter(r.json()["to"] for r in provider_server.requests)
    assert received == {"+59899123456": 1}
    assert SpoolRow.objects.count() == 1


@pytest.fixture
def twilio(live_url):
    dialect = TwilioDialect(TWILIO_SID, "twilio-token")
    with FakeProviderServer([dialect]) as server:
        provider = save_provider(provider=None, values={
            "name": "Twilio", "api_type": "Twilio", "username": TWILIO_SID,
            "sender": "+15550001111", "endpoint": server.url}, secrets={"password": "twilio-token"})  # fmt: skip
        yield provider, dialect, live_url


def test_inbound_webhook_while_redis_is_away_is_stored_then_routed(
    twilio, private_redis, worker_after_outage
):
    from providers.configuration import webhook_url

    provider, dialect, live_url = twilio
    hook = dialect.inbound(
        webhook_url(provider, "inbound", live_url), "+59899111222", "+15550001111", "Hola"
    )
    private_redis.stop()
    began = time.monotonic()
    status, _body = hook.deliver()
    assert status == 200 and time.monotonic() - began < ANSWER_WITHIN
    message = Message.objects.get()
    assert message.routing == Routing.PENDING
    assert hook.deliver()[0] == 200  # the provider's retry: still one message
    assert Message.objects.count() == 1
    private_redis.start()
    worker_after_outage()  # its start runs the sweeper: the pending message is routed
    assert wait_until(lambda: Message.objects.get().routing != Routing.PENDING)
    assert Message.objects.get().routing == Routing.UNROUTED  # no campaign takes +15550001111


def test_upload_while_redis_is_away_is_stored_then_loaded(
    client, supervisor, private_redis, worker_after_outage, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"  # the worker and this process share it
    campaign = make_campaign(supervisor, name="campsms", did="")
    token = create_api_token(user=supervisor, name="crm")[1]
    body = "".join(f"campsms;0990{i:05d};Message {i};1\n" for i in range(50)).encode()
    private_redis.stop()
    began = time.monotonic()
    response = client.post(
        "/api/v1/spool/upload",
        {"file": SimpleUploadedFile("promo.csv", body)},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 202, response.content
    assert time.monotonic() - began < ANSWER_WITHIN
    upload = SpoolUpload.objects.get(pk=response.json()["id"])
    assert upload.state == SpoolUpload.State.QUEUED
    private_redis.start()
    worker = CeleryWorker(
        private_redis.url,
        f"uploads-{private_redis.socket_path.stem}",
        env={"SWEEP_AFTER_SECONDS": "0", "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    ).start()
    try:
        assert wait_until(lambda: SpoolUpload.objects.get(pk=upload.pk).state == "done")
    finally:
        worker.stop()
    assert SpoolRow.objects.filter(campaign=campaign).count() == 50
    assert not any((settings.MEDIA_ROOT / "uploads").iterdir())  # the file went with the job


def test_sweeper_runs_never_overlap_and_hand_work_over_once(supervisor, private_redis, settings):
    from contactcenter.redis_client import redis_client
    from contactcenter.sweeper import LOCK
    from dialer.upload_jobs import lock_key

    settings.SWEEP_AFTER_SECONDS = 0
    queued = SpoolUpload.objects.create(file_name="a.csv", path="uploads/a.csv")
    # Left half-way by a worker that died (no job holds it), and one a live job holds.
    SpoolUpload.objects.create(file_name="b.csv", path="uploads/b.csv", state="checking")
    held = SpoolUpload.objects.create(file_name="c.csv", path="uploads/c.csv", state="loading")
    redis_client().set(lock_key(held.pk), "a live job")
    redis_client().set(LOCK, "another run")
    assert sweep() is None  # another run holds the lock
    redis_client().delete(LOCK)
    assert sweep()["uploads"] == 2
    assert sweep()["uploads"] == 0  # handed over a moment ago: their tasks may be waiting
    assert SpoolUpload.objects.get(pk=queued.pk).state == SpoolUpload.State.QUEUED


def test_an_upload_left_half_way_runs_again_once(supervisor, private_redis, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dialer.upload_jobs import run_upload

    settings.MEDIA_ROOT = tmp_path
    campaign = make_campaign(supervisor, name="campsms", did="")
    name = default_storage.save("uploads/x.csv", ContentFile(b"campsms;099000001;Hi;1\n"))
    upload = SpoolUpload.objects.create(
        file_name="x.csv", path=name, state="checking", uploaded_by=supervisor
    )
    assert run_upload(upload.pk).state == SpoolUpload.State.DONE
    assert run_upload(upload.pk).state == SpoolUpload.State.DONE  # a late second task: nothing
    assert SpoolRow.objects.filter(campaign=campaign).count() == 1
    assert not default_storage.exists(name)
