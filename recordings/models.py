"""Background exports of the recordings list: one row per request, its progress and its file.

The file is written to Django's default storage (``exports/<random>.csv``) so the worker that
writes it and the web process that serves it may run on different machines, as uploads do.
EXPORT_KEEP_HOURS after a job finished its file is deleted and the job is ``expired``: the row
stays, so an old link answers "expired" rather than "no such export".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        RECORDINGS = "recordings", _("Recordings (one line per message)")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RECORDINGS)
    # The filters as the API takes them (lists of ids, ISO dates, the text), checked on creation.
    filters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written after every chunk: a running job whose heartbeat stopped had its worker die.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveBigIntegerField(default=0)  # interactions to export
    done = models.PositiveBigIntegerField(default=0)  # interactions exported so far
    rows = models.PositiveBigIntegerField(default=0)  # CSV lines (messages) written
    path = models.CharField(max_length=200, blank=True)  # the default storage's name
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="exports_of_user"),
            models.Index(
                fields=["state", "created_at"],
                condition=models.Q(state__in=["queued", "running"]),
                name="exports_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} {self.state}"

    @property
    def progress(self) -> int:
        """Percent done: 100 only once the file is complete (never stuck at 99 % either: a dead
        worker's job is failed by the sweeper)."""
        if self.state == self.State.DONE or (self.state == self.State.EXPIRED and not self.error):
            return 100  # an expired job that had finished its file (a failed one keeps its error)
        if not self.total:
            return 0
        return min(99, int(self.done * 100 / self.total))
