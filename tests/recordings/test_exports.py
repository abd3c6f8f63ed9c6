"""Exports of the recordings list: a real Celery worker writes the CSV (PostgreSQL's COPY),
progress is visible, the file downloads with the same token, formulas are neutralised, a job
whose worker died is failed for a retry (never stuck at 99 %), and jobs are their owner's."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from contactcenter.sweeper import resume_exports
from recordings.exports import CHUNK, run_export
from recordings.models import ExportJob
from tests.conftest import wait_until
from tests.conversations.api_helpers import token_client
from tests.recordings.world import World, at, interaction, message

pytestmark = pytest.mark.django_db(transaction=True)


def finished(call, job_id: int) -> dict:  # noqa: ANN001
    state: dict = {}

    def done() -> bool:
        state.update(call("get", f"/api/v1/exports/{job_id}/").json())
        return state["state"] in ("done", "failed")

    assert wait_until(done, 60), state
    return state


def download(call, url: str) -> list[list[str]]:  # noqa: ANN001
    response = call("get", url.split("testserver")[1])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_with_a_real_worker_line_by_line(as_supervisor, world: World, celery_worker) -> None:
    response = as_supervisor(
        "post", "/api/v1/exports/",
        {"kind": "recordings", "filters": {"campaign": [str(world.sales.pk)], "end": "2026-03-11"}},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["state"] in ("queued", "running", "done")
    job = finished(as_supervisor, job["id"])
    assert job["state"] == "done", job
    assert (job["progress"], job["total"], job["done"], job["rows"]) == (100, 2, 2, 5)
    rows = download(as_supervisor, job["download_url"])
    m1 = [m.pk for m in world.i1.messages.order_by("id")]
    m3 = world.i3.messages.get().pk
    assert rows == [
        ["interaction", "campaign", "customer", "opened", "message", "time", "direction",
         "author", "bot kind", "agent", "text", "delivery"],
        [str(world.i3.pk), "Sales", "+59898123456", "2026-03-10T10:00:00Z", str(m3),
         "2026-03-10T10:00:00Z", "out", "bot", "dialer", "", "Your appointment is confirmed",
         "delivered"],
        [str(world.i1.pk), "Sales", "+59898123456", "2026-03-01T10:00:00Z", str(m1[0]),
         "2026-03-01T10:00:00Z", "in", "customer", "", "",
         "Hi, I have a question about my invoice", ""],
        [str(world.i1.pk), "Sales", "+59898123456", "2026-03-01T10:00:00Z", str(m1[1]),
         "2026-03-01T10:02:00Z", "out", "agent", "", "Alex", "Hello! Let me check that.",
         "delivered"],
        [str(world.i1.pk), "Sales", "+59898123456", "2026-03-01T10:00:00Z", str(m1[2]),
         "2026-03-01T10:03:00Z", "in", "customer", "", "", "'=HYPERLINK(\"http://evil\",\"x\")",
         ""],
        [str(world.i1.pk), "Sales", "+59898123456", "2026-03-01T10:00:00Z", str(m1[3]),
         "2026-03-01T10:04:00Z", "out", "agent", "", "Alex", "'-2+3 is my code", "failed"],
    ]  # fmt: skip


def test_progress_is_reported_chunk_by_chunk(admin, world: World, monkeypatch) -> None:
    """More interactions than a chunk: progress rises on the job's row while it runs."""
    for n in range(CHUNK + 5):
        i = interaction(world.support, f"+5989{n:07d}", at(20) + dt.timedelta(seconds=n))
        message(i, at(20) + dt.timedelta(seconds=n), f"@SUM(A{n})")
    seen: list[tuple[int, int]] = []
    from recordings import exports

    original = exports._copy

    def watching(ids, out):  # noqa: ANN001, ANN202
        job = ExportJob.objects.get()
        seen.append((job.done, job.progress))
        return original(ids, out)

    monkeypatch.setattr(exports, "_copy", watching)
    job = ExportJob.objects.create(created_by=admin, filters={"campaign": [str(world.support.pk)]})
    job = run_export(job.pk)
    assert job.state == "done"
    assert (job.total, job.done, job.rows) == (CHUNK + 6, CHUNK + 6, CHUNK + 5 + 3)
    assert seen == [(0, 0), (CHUNK, int(CHUNK * 100 / (CHUNK + 6)))]
    from django.core.files.storage import default_storage

    with default_storage.open(job.path) as f:
        lines = list(csv.reader(io.StringIO(f.read().decode())))
    assert lines[1][10] == f"'@SUM(A{CHUNK + 4})"  # newest first, neutralised


def test_a_job_whose_worker_died_is_failed_and_retried(client, admin, world: World) -> None:
    call = token_client(client, admin)
    job = ExportJob.objects.create(created_by=admin, filters={}, state="running", total=5, done=4,
                                   heartbeat_at=timezone.now() - dt.timedelta(minutes=10))  # fmt: skip
    assert call("get", f"/api/v1/exports/{job.pk}/").json()["progress"] == 80
    resume_exports()
    body = call("get", f"/api/v1/exports/{job.pk}/").json()
    assert body["state"] == "failed"
    assert "Retry it" in body["error"]
    assert body["download_url"] is None
    retried = call("post", f"/api/v1/exports/{job.pk}/retry")
    assert retried.status_code == 200
    assert retried.json()["state"] in ("queued", "running", "done")
    run_export(job.pk)  # here, or by the suite's worker if one runs: taken once either way
    assert wait_until(lambda: ExportJob.objects.get(pk=job.pk).state == "done", 30)
    job.refresh_from_db()
    assert job.state == "done" and job.progress == 100 and job.rows == 10
    assert call("post", f"/api/v1/exports/{job.pk}/retry").status_code == 409


def test_a_live_job_is_left_alone_by_the_sweeper(admin, world: World) -> None:
    job = ExportJob.objects.create(created_by=admin, state="running", heartbeat_at=timezone.now())
    resume_exports()
    job.refresh_from_db()
    assert job.state == "running"


def test_bad_filters_are_a_400_and_store_nothing(as_admin, world: World) -> None:
    response = as_admin("post", "/api/v1/exports/", {"filters": {"start": "2026-03-10",
                                                                 "end": "2026-03-01"}})  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()) == ["end"]
    response = as_admin("post", "/api/v1/exports/", {"kind": "bogus"})
    assert response.status_code == 400 and list(response.json()) == ["kind"]
    response = as_admin("post", "/api/v1/exports/", {"filters": {"campaign": ["999999"]}})
    assert response.status_code == 400 and list(response.json()) == ["campaign"]
    assert not ExportJob.objects.exists()


def test_jobs_are_their_owners(client, admin, supervisor, world: World) -> None:
    job = ExportJob.objects.create(created_by=admin, filters={})
    run_export(job.pk)
    as_sup = token_client(client, supervisor)
    assert as_sup("get", f"/api/v1/exports/{job.pk}/").status_code == 404
    assert as_sup("get", f"/api/v1/exports/{job.pk}/download").status_code == 404
    assert as_sup("post", f"/api/v1/exports/{job.pk}/retry").status_code == 404


def test_a_supervisors_export_holds_only_their_groups(client, supervisor, world: World) -> None:
    job = ExportJob.objects.create(created_by=supervisor, filters={})
    job = run_export(job.pk)
    from django.core.files.storage import default_storage

    with default_storage.open(job.path) as f:
        text = f.read().decode()
    assert "Collections" not in text and "cancel the subscription" not in text
    assert job.total == 4
