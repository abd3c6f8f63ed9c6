"""Report rollups: the figures of interactions and messages summed per local day, campaign and
agent, kept by PostgreSQL triggers as rows change (``reports.rollup_sql``), so a report over a
month reads a few thousand rollup rows instead of scanning millions of messages."""

from __future__ import annotations

from django.db import models

from reports.buckets import BUCKET_COLUMNS


class Rollup(models.Model):
    """Sums for one local day (``RollupState.zone``), campaign and agent (0: none; -1: the
    whole campaign, what campaign, day and total figures read).

    Interaction figures count on the day the interaction was opened, under the agent who holds
    (or held last) it once it is answered or closed, else under agent 0. Message figures count
    on the day each message was written: outbound under its author, inbound under the agent
    holding the interaction at that instant (``conversations.Assignment``). No foreign keys on
    purpose: a trigger's upsert then costs no key checks."""

    day = models.DateField()
    campaign_id = models.BigIntegerField()
    agent_id = models.BigIntegerField(default=0)
    # Counts are 4-byte integers (a day of one campaign and agent never nears 2**31): half the
    # width of bigints, and PostgreSQL sums int4 in int8, far faster than int8 (in numeric).
    received = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_in_sl = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    first_response_ms = models.BigIntegerField(default=0)  # sum over the answered ones
    handled = models.IntegerField(default=0)  # closed after an agent held them
    handling_ms = models.BigIntegerField(default=0)  # sum of assigned → closed
    messages_in = models.IntegerField(default=0)
    messages_out = models.IntegerField(default=0)
    messages_failed = models.IntegerField(default=0)
    segments_out = models.IntegerField(default=0)  # of outbound messages not failed
    locals().update({name: models.IntegerField(default=0) for name in BUCKET_COLUMNS})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "campaign_id", "agent_id"], name="one_rollup_per_day_campaign_agent"
            )
        ]
        indexes = [models.Index(fields=["campaign_id", "day"], name="rollup_campaign_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign_id}/{self.agent_id}"


class RollupState(models.Model):
    """The one row saying in which time zone the rollups' days are counted (the triggers'
    functions are written for it); reports refuse to read rollups of another zone."""

    zone = models.CharField(max_length=64)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.zone
