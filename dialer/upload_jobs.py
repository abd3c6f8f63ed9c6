"""Uploads as background jobs: store the file, check it completely, load it, report progress.

The file goes to Django's default storage (``uploads/<random>.csv``; ``SpoolUpload.path`` holds
its storage name), so the worker that loads it may run on another machine than the web process
that received it. It is deleted from the storage when the job ends, however it ends.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from redis import RedisError
from redis.exceptions import LockError
from redis.lock import Lock

from accounts.models import User
from contactcenter.events import publish_now, user_group
from contactcenter.publishing import publish_on_commit
from contactcenter.redis_client import redis_client
from dialer import uploads
from dialer.models import SpoolUpload

logger = logging.getLogger("contactcenter.uploads")


UPLOADS = "uploads"  # the folder of pending uploads in the default storage


def receive_upload(*, user: User, file: UploadedFile, kind: str = "spool") -> SpoolUpload:
    """Store an uploaded file (streamed to the default storage) and queue its check and load."""
    problem = uploads.check_file_name(file.name or "")
    if problem:
        raise ValidationError({"file": f"{problem}."})  # translated by check_file_name
    name = default_storage.save(f"{UPLOADS}/{uuid.uuid4().hex}.csv", file)
    upload = SpoolUpload.objects.create(
        kind=kind, file_name=file.name, path=name, size=file.size or 0, uploaded_by=user
    )
    # Stored, so answered as stored: if Redis is away the sweeper resumes it.
    publish_on_commit("dialer.tasks.process_upload", upload.pk, get_language())
    return upload


def progress_key(upload_id: int) -> str:
    return f"cc:upload:{upload_id}"


def progress_of(upload: SpoolUpload) -> dict[str, Any]:
    try:
        raw = redis_client().hgetall(progress_key(upload.pk))
    except RedisError:  # progress is a hint; the upload's state is in the database
        raw = {}
    live = {k.decode(): v.decode() for k, v in raw.items()}
    done, total = int(live.get("done", 0)), int(live.get("total", 0))
    if upload.state == SpoolUpload.State.DONE:
        done = total = upload.rows_loaded
    percent = (
        100 if upload.state == SpoolUpload.State.DONE else (int(done * 100 / total) if total else 0)
    )
    return {
        "id": upload.pk,
        "file_name": upload.file_name,
        "kind": upload.kind,
        "state": upload.state,
        "phase": live.get("phase", upload.state),
        "done": done,
        "total": total,
        "percent": percent,
        "rows_loaded": upload.rows_loaded,
        "error_count": upload.error_count,
        "errors": upload.errors,
    }


UNFINISHED = (SpoolUpload.State.QUEUED, SpoolUpload.State.CHECKING, SpoolUpload.State.LOADING)
LOCK_SECONDS = 600  # a job holds its upload this long, extended at every progress report


def lock_key(upload_id: int) -> str:
    return f"cc:upload:lock:{upload_id}"


def is_running(upload_id: int) -> bool:
    """A live job holds this upload (its worker has not died)."""
    return bool(redis_client().exists(lock_key(upload_id)))


def run_upload(upload_id: int) -> SpoolUpload:
    """Check the whole file; if it is clean, load it. A bad file stores nothing. One job at a time
    holds an upload (a Redis lock that expires if its worker dies); a second task for it (the
    sweeper's, a redelivery) does nothing, and a finished upload is never run again. A job that
    died is run again from the start: the load is one transaction, so it had stored nothing."""
    client = redis_client()
    lock = client.lock(lock_key(upload_id), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        logger.info("upload already being run", extra={"upload": upload_id})
        return SpoolUpload.objects.get(pk=upload_id)
    try:
        taken = SpoolUpload.objects.filter(pk=upload_id, state__in=UNFINISHED).update(
            state=SpoolUpload.State.CHECKING
        )
        upload = SpoolUpload.objects.select_related("uploaded_by").get(pk=upload_id)
        if not taken:
            logger.info("upload already done", extra={"upload": upload_id, "state": upload.state})
            return upload
        return _run(upload, lock)
    finally:
        with contextlib.suppress(LockError):  # expired meanwhile: nothing left to release
            lock.release()


def _run(upload: SpoolUpload, lock: Lock) -> SpoolUpload:
    upload_id, name, user = upload.pk, upload.path, upload.uploaded_by
    client = redis_client()

    def progress(phase: str, done: int, total: int) -> None:
        lock.extend(LOCK_SECONDS, replace_ttl=True)
        client.hset(progress_key(upload_id), mapping={"phase": phase, "done": done, "total": total})
        client.expire(progress_key(upload_id), 24 * 3600)
        if upload.uploaded_by_id:  # live progress in the uploader's browser
            publish_now(
                user_group(upload.uploaded_by_id),
                "upload.progress",
                {"upload": upload_id, "phase": phase, "done": done, "total": total},
            )

    try:
        if upload.kind == "spool":
            # One pass: checked and streamed in one transaction that any error rolls back.
            report, stored = uploads.ingest_spool(name, user, upload, progress)
        else:
            report = uploads.check_dncr(name, user)
            stored = uploads.load_dncr(name, user) if report.ok else 0
        if not report.ok:
            SpoolUpload.objects.filter(pk=upload_id).update(
                state=SpoolUpload.State.REJECTED,
                errors=report.errors,
                error_count=report.error_count,
                lines_total=report.lines,
                lines_checked=report.lines,
                finished_at=timezone.now(),
            )
            return SpoolUpload.objects.get(pk=upload_id)
        SpoolUpload.objects.filter(pk=upload_id).update(
            state=SpoolUpload.State.DONE,
            rows_loaded=stored,
            lines_total=report.lines,
            lines_checked=report.lines,
            finished_at=timezone.now(),
        )
        if upload.kind == "spool":
            from dialer.services import kick

            kick()
    except Exception as exc:  # report any failure on the upload itself, then re-raise
        logger.exception("upload failed", extra={"upload": upload_id})
        SpoolUpload.objects.filter(pk=upload_id).update(
            state=SpoolUpload.State.FAILED,
            errors=[_("the load failed, nothing was stored: %(error)s") % {"error": exc}],
            error_count=1,
            finished_at=timezone.now(),
        )
        raise
    finally:
        default_storage.delete(name)
    return SpoolUpload.objects.get(pk=upload_id)
