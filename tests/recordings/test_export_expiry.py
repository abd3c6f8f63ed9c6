"""Finished exports are kept EXPORT_KEEP_HOURS: then the beat job deletes their file and marks
them expired; the API, the download link and a retry say so clearly (never a 500 over a
missing file)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from recordings import exports, tasks
from recordings.exports import expire_exports, run_export
from recordings.models import ExportJob
from tests.recordings.world import World

pytestmark = pytest.mark.django_db


def finished_export(user, hours_ago: float) -> ExportJob:  # noqa: ANN001
    job = ExportJob.objects.create(created_by=user, filters={})
    job = run_export(job.pk)
    assert job.state == "done" and default_storage.exists(job.path)
    job.finished_at = timezone.now() - dt.timedelta(hours=hours_ago)
    job.save(update_fields=["finished_at"])
    return job


def test_old_exports_lose_their_file_and_say_expired(as_admin, admin, world: World) -> None:
    old = finished_export(admin, hours_ago=73)
    recent = finished_export(admin, hours_ago=71)
    failed = ExportJob.objects.create(created_by=admin, state="failed", error="boom",
                                      finished_at=timezone.now() - dt.timedelta(hours=80))  # fmt: skip
    running = ExportJob.objects.create(created_by=admin, state="running", heartbeat_at=timezone.now(),
                                       created_at=timezone.now() - dt.timedelta(days=9))  # fmt: skip
    old_path = old.path

    body = as_admin("get", f"/api/v1/exports/{old.pk}/").json()
    assert body["download_url"] and body["expires_at"]  # before: downloadable, with its end
    assert as_admin("get", f"/api/v1/exports/{old.pk}/download").status_code == 200

    assert expire_exports() == 2  # the old done one and the old failed one

    assert not default_storage.exists(old_path)
    assert default_storage.exists(recent.path)
    states = dict(ExportJob.objects.values_list("pk", "state"))
    assert states == {
        old.pk: "expired",
        recent.pk: "done",
        failed.pk: "expired",
        running.pk: "running",
    }

    body = as_admin("get", f"/api/v1/exports/{old.pk}/").json()
    assert body["state"] == "expired"
    assert body["download_url"] is None and body["expires_at"] is None
    assert body["progress"] == 100 and body["rows"] == old.rows  # what it was stays readable
    assert "expired" in body["expired"] and "72 hours" in body["expired"]
    response = as_admin("get", f"/api/v1/exports/{old.pk}/download")
    assert response.status_code == 410
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == body["expired"]
    assert as_admin("post", f"/api/v1/exports/{failed.pk}/retry").status_code == 409

    recent_body = as_admin("get", f"/api/v1/exports/{recent.pk}/").json()
    assert recent_body["state"] == "done" and recent_body["expired"] is None
    expected = recent.finished_at + dt.timedelta(hours=72)
    assert dt.datetime.fromisoformat(recent_body["expires_at"]) == expected
    assert expire_exports() == 0  # nothing left to do


def test_the_period_is_a_setting(admin, world: World, settings) -> None:
    settings.EXPORT_KEEP_HOURS = 2
    job = finished_export(admin, hours_ago=3)
    young = finished_export(admin, hours_ago=1)
    assert expire_exports() == 1
    assert ExportJob.objects.get(pk=job.pk).state == "expired"
    assert ExportJob.objects.get(pk=young.pk).state == "done"


def test_a_file_gone_under_a_done_job_is_a_410_not_a_500(as_admin, admin, world: World) -> None:
    job = finished_export(admin, hours_ago=1)
    default_storage.delete(job.path)  # the expiry deleting it while the download starts
    response = as_admin("get", f"/api/v1/exports/{job.pk}/download")
    assert response.status_code == 410
    assert "Export the list again" in response.json()["detail"]


def test_a_storage_that_refuses_leaves_the_job_for_the_next_run(
    admin, world: World, monkeypatch
) -> None:
    job = finished_export(admin, hours_ago=100)

    def refuse(name: str) -> None:
        raise OSError("storage away")

    monkeypatch.setattr(default_storage, "delete", refuse)
    assert expire_exports() == 0
    job.refresh_from_db()
    assert job.state == "done" and job.path
    monkeypatch.undo()
    assert expire_exports() == 1
    assert not default_storage.exists(job.path)


def test_the_beat_runs_it_hourly(admin, world: World) -> None:
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.expire_exports.name
    ]
    assert len(entries) == 1 and entries[0]["schedule"] == 3600
    job = finished_export(admin, hours_ago=100)
    tasks.expire_exports.apply()  # the task as beat sends it, run here
    job.refresh_from_db()
    assert job.state == "expired" and not job.path
    assert exports.expires_at(job) is None
