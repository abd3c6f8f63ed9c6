"""Uploads go through Django's storage API: the web process stores the file, a worker on another
"machine" (its own var directory, no shared disk) loads it from the storage and deletes it."""

from __future__ import annotations

import pytest

from accounts.tokens import create_api_token
from dialer.models import SpoolRow, SpoolUpload
from tests.campaigns.factories import make_campaign
from tests.conftest import CeleryWorker, wait_until
from tests.dialer.storage import operations

pytestmark = pytest.mark.django_db(transaction=True)

STORAGE = {
    "default": {"BACKEND": "tests.dialer.storage.RedisStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def test_a_worker_on_another_machine_loads_the_upload_through_the_storage(
    client, supervisor, private_redis, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = STORAGE
    campaign = make_campaign(supervisor, name="campsms", did="")
    token = create_api_token(user=supervisor, name="crm")[1]
    worker = CeleryWorker(
        private_redis.url,
        "storage-worker",
        env={"CC_VAR_DIR": str(tmp_path / "worker-var"),
             "FILE_STORAGE_BACKEND": "tests.dialer.storage.RedisStorage"},
    )  # fmt: skip
    worker.start()
    try:
        body = "".join(f"campsms;0990{i:05d};Message {i};1\n" for i in range(300)).encode()
        response = client.post(
            "/api/v1/spool/upload",
            {"file": SimpleUploadedFile("promo.csv", body)},
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        assert response.status_code == 202, response.json()
        upload = SpoolUpload.objects.get(pk=response.json()["id"])

        def finished() -> bool:
            upload.refresh_from_db()
            return upload.state in ("done", "rejected", "failed")

        wait_until(finished, 30)
    finally:
        worker.stop()
    assert upload.state == "done", upload.errors
    assert SpoolRow.objects.filter(campaign=campaign).count() == 300
    name = upload.path
    assert name.startswith("uploads/") and name.endswith(".csv")
    # Stored by the web process, opened (check, load) and deleted by the worker: all in storage.
    assert operations()[0] == f"save {name}"
    assert f"open {name}" in operations()
    assert operations()[-1] == f"delete {name}"
