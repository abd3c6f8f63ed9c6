"""The recordings list exported as CSV in the background, one line per message.

``create_export`` checks the filters and stores a job; ``run_export`` (the Celery task, default
queue) writes the file chunk by chunk and reports progress on the job's row; the file goes to the
default storage and is served with the same authentication as the API (session or token).

On PostgreSQL each chunk of interactions is one ``COPY (SELECT …) TO STDOUT``: the database
formats the CSV (text neutralised against formulas inside the query, ``csvsafe.safe_sql``) and
the worker only moves blocks of bytes to the file, so memory stays flat whatever the size and
the speed is close to PostgreSQL's own. SQLite (small histories) writes through ``csv``.

A job's worker that dies leaves it ``running`` with a heartbeat that stops: the sweeper fails it
("the worker stopped") and the user retries it, never a bar stuck at 99 %.

Finished jobs (done or failed) are kept EXPORT_KEEP_HOURS: then the beat job
(``recordings.tasks.expire_exports``) deletes the file and marks the job ``expired``; its row
stays so an old link answers "expired, export again" (410) rather than a 404 or a missing file.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import uuid
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contactcenter.publishing import publish_on_commit
from contactcenter.service_errors import Conflict
from conversations.models import Interaction, Message
from recordings.csvsafe import safe_cell, safe_sql
from recordings.filters import parse_filters
from recordings.models import ExportJob
from recordings.selectors import display_name, recordings_for

logger = logging.getLogger("contactcenter.exports")

EXPORTS = "exports"  # the folder in the default storage
CHUNK = 2000  # interactions per COPY and per progress report
TASK = "recordings.tasks.run_export"


def columns() -> list[str]:
    return [
        _("interaction"), _("campaign"), _("customer"), _("opened"), _("message"), _("time"),
        _("direction"), _("author"), _("bot kind"), _("agent"), _("text"), _("delivery"),
    ]  # fmt: skip


def create_export(*, user: User, kind: str, filters: dict[str, Any]) -> ExportJob:
    """Check ``filters`` (the recordings' filters, as the API takes them) and queue the job."""
    if kind not in ExportJob.Kind.values:
        raise ValidationError({"kind": [_("Choose one of: %(kinds)s.") % {
            "kinds": ", ".join(ExportJob.Kind.values)}]})  # fmt: skip
    if not isinstance(filters, dict):
        raise ValidationError({"filters": [_("Give the filters as an object.")]})
    checked = parse_filters(filters)  # ValidationError naming each bad field
    job = ExportJob.objects.create(kind=kind, filters=checked.as_json(), created_by=user)
    publish_on_commit(TASK, job.pk)  # stored, so answered as stored: the sweeper resumes it
    return job


def retry_export(*, user: User, job: ExportJob) -> ExportJob:
    """Queue a failed job again from the start."""
    taken = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.FAILED).update(
        state=ExportJob.State.QUEUED, done=0, rows=0, error="", heartbeat_at=None,
        created_at=timezone.now(),
    )  # fmt: skip
    if not taken:
        raise Conflict(_("Only a failed export can be retried."))
    publish_on_commit(TASK, job.pk)
    job.refresh_from_db()
    return job


def run_export(job_id: int) -> ExportJob | None:
    """Write the job's file. Taken once (a conditional update): a duplicate task, a redelivery
    or a sweep finds it taken and does nothing."""
    now = timezone.now()
    taken = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=now, heartbeat_at=now, done=0, rows=0,
    )  # fmt: skip
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if not taken or job is None:
        return job
    ExportJob.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    try:
        _write(job)
    except Exception as exc:
        logger.exception("export failed", extra={"export": job_id})
        ExportJob.objects.filter(pk=job_id, state=ExportJob.State.RUNNING).update(
            state=ExportJob.State.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def _write(job: ExportJob) -> None:
    interactions = recordings_for(job.created_by, parse_filters(job.filters))
    total = interactions.count()
    ExportJob.objects.filter(pk=job.pk).update(total=total)
    with tempfile.TemporaryFile() as out:
        writer = _Bytes(out)
        csv.writer(writer).writerow(columns())
        done = rows = 0
        last: tuple[Any, int] | None = None
        while True:
            chunk = interactions
            if last:
                at, pk = last
                chunk = chunk.filter(Q(opened_at__lt=at) | Q(opened_at=at, pk__lt=pk))
            keys = list(chunk.values_list("opened_at", "pk")[:CHUNK])
            if not keys:
                break
            ids = [pk for _at, pk in keys]
            rows += _copy(ids, out) if connection.vendor == "postgresql" else _rows(ids, writer)
            done += len(ids)
            last = keys[-1]
            alive = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING).update(
                done=done, rows=rows, heartbeat_at=timezone.now()
            )
            if not alive:  # failed meanwhile by the sweeper (a heartbeat too late): stop
                return
        out.seek(0)
        name = default_storage.save(f"{EXPORTS}/{uuid.uuid4().hex}.csv", File(out))
    finished = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING).update(
        state=ExportJob.State.DONE, path=name, done=done, rows=rows, finished_at=timezone.now()
    )
    if not finished:
        default_storage.delete(name)


class _Bytes:
    """A text ``write`` onto a binary file (the csv module writes text, COPY gives bytes)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode())


AGENT_NAME = "coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.username, '')"
ISO = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
# Constant SQL; the ids are a parameter.
EXPORT_SQL = f"""
COPY (
  SELECT m.interaction_id, {safe_sql("c.name")}, i.number,
         to_char(i.opened_at AT TIME ZONE 'UTC', {ISO}), m.id,
         to_char(m.created_at AT TIME ZONE 'UTC', {ISO}), m.direction, m.author, m.bot_kind,
         {safe_sql(AGENT_NAME)},
         {safe_sql("m.text")},
         CASE m.delivery WHEN 'sending' THEN 'queued' ELSE m.delivery END
  FROM unnest(%s::bigint[]) WITH ORDINALITY AS k(id, n)
  JOIN conversations_interaction i ON i.id = k.id
  JOIN campaigns_campaign c ON c.id = i.campaign_id
  JOIN conversations_message m ON m.interaction_id = k.id
  LEFT JOIN accounts_user u ON u.id = m.agent_id
  ORDER BY k.n, m.id
) TO STDOUT WITH (FORMAT csv)
"""  # noqa: S608


def _copy(ids: list[int], out: IO[bytes]) -> int:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(EXPORT_SQL, (ids,)) as copy:
            for block in copy:
                out.write(block)
        return max(raw.rowcount, 0)


def _rows(ids: list[int], writer: _Bytes) -> int:
    """SQLite: the same lines through the csv module."""
    order = {pk: n for n, pk in enumerate(ids)}
    chosen = Interaction.objects.filter(pk__in=ids).select_related("campaign")
    interactions = {i.pk: i for i in chosen}
    messages = sorted(
        Message.objects.filter(interaction_id__in=ids).select_related("agent"),
        key=lambda m: (order[m.interaction_id], m.pk),
    )
    out = csv.writer(writer)
    for m in messages:
        i = interactions[m.interaction_id]
        out.writerow(
            [
                i.pk, safe_cell(i.campaign.name), i.number, _iso(i.opened_at), m.pk,
                _iso(m.created_at), m.direction, m.author, m.bot_kind,
                safe_cell(display_name(m.agent)), safe_cell(m.text),
                "queued" if m.delivery == "sending" else m.delivery,
            ]
        )  # fmt: skip
    return len(messages)


def _iso(moment: Any) -> str:
    import datetime as dt

    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the sweeper's part
def stale_after() -> timedelta:
    return timedelta(seconds=settings.EXPORT_STALE_SECONDS)


def fail_abandoned_exports() -> int:
    """Running jobs whose heartbeat stopped (their worker died): failed, for the user to retry."""
    stale = timezone.now() - stale_after()
    return ExportJob.objects.filter(state=ExportJob.State.RUNNING, heartbeat_at__lt=stale).update(
        state=ExportJob.State.FAILED,
        finished_at=timezone.now(),
        error=_("The export stopped: its worker ended before it finished. Retry it."),
    )


def queued_exports(before: Any) -> list[int]:
    """Jobs still queued since before ``before`` (their task was lost)."""
    return list(
        ExportJob.objects.filter(state=ExportJob.State.QUEUED, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


# ---------------------------------------------------------------- expiry (beat, hourly)
def keep_for() -> timedelta:
    return timedelta(hours=settings.EXPORT_KEEP_HOURS)


def expires_at(job: ExportJob) -> Any:
    """When a finished job's file goes (None while it runs, or once it went)."""
    finished = ExportJob.State.DONE, ExportJob.State.FAILED
    if job.state not in finished:
        return None
    return (job.finished_at or job.created_at) + keep_for()


def expired_message() -> str:
    hours = settings.EXPORT_KEEP_HOURS
    return _(
        "This export has expired: its file is deleted %(hours)s hours after it finished. "
        "Export the list again."
    ) % {"hours": f"{hours:g}"}


def expire_exports(now: Any = None, batch: int = 500) -> int:
    """Delete the files of jobs finished (done or failed) more than EXPORT_KEEP_HOURS ago and
    mark them ``expired``. The file goes first: a storage that refuses leaves the job as it was
    for the next run (never a job marked expired whose file stays for ever). A job retried
    meanwhile (failed → queued) is left alone (the conditional update). Returns how many."""
    before = (now or timezone.now()) - keep_for()
    finished = [ExportJob.State.DONE, ExportJob.State.FAILED]
    old = ExportJob.objects.filter(state__in=finished).filter(
        Q(finished_at__lt=before) | Q(finished_at__isnull=True, created_at__lt=before)
    )
    expired = last = 0
    while True:
        jobs = list(old.filter(pk__gt=last).order_by("pk").values_list("pk", "path")[:batch])
        if not jobs:
            return expired
        last = jobs[-1][0]
        for pk, path in jobs:
            if path:
                try:
                    default_storage.delete(path)
                except Exception:
                    logger.exception("export file not deleted", extra={"export": pk})
                    continue
            expired += ExportJob.objects.filter(pk=pk, state__in=finished, path=path).update(
                state=ExportJob.State.EXPIRED, path=""
            )
        if len(jobs) < batch:
            return expired


def export_for_user(*, user: User, pk: Any) -> ExportJob:
    """The user's own export job, or 404."""
    from contactcenter.lookups import one_or_404

    return one_or_404(ExportJob.objects.filter(created_by=user), pk, _("No such export."))
