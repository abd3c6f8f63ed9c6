"""The rollups the triggers keep equal a recompute from scratch after hundreds of random
writes of the kinds the application makes: interactions opened (by customers, agents, dialer
sends), assigned, answered, requeued to another agent, closed; messages stored by a webhook
and routed later, replies, failed deliveries, bulk UPDATEs that change no figure."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from accounts.roles import Role
from conversations.models import Assignment, Interaction, Message
from reports.rollups import install, rebuild
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.reports.test_figures import rollup_rows
from tests.reports.world import TZ, interaction, message


@pytest.mark.parametrize("zone", ["America/Montevideo", "Asia/Kolkata"])  # UTC−3, UTC+5:30
def test_random_writes_keep_rollups_equal_to_a_recompute(zone, settings, supervisor, group):
    settings.TIME_ZONE = zone
    install(zone)
    rnd = random.Random(14)
    campaigns = [
        make_campaign(supervisor, name=f"C{k}", did=f"70{k}", threshold_service_level=rnd.choice([20, 60]),
                      threshold_abandon=rnd.choice([120, 600]))
        for k in range(3)
    ]  # fmt: skip
    agents = [make_user(f"agent{k}", Role.AGENT, [group]) for k in range(4)]
    clock = dt.datetime(2026, 11, 9, 20, 0, tzinfo=TZ)
    open_ones: list[Interaction] = []
    pending: list[Message] = []

    def hold(item: Interaction, agent) -> None:
        Assignment.objects.filter(interaction=item, released_at__isnull=True).update(
            released_at=clock, release_reason="requeued"
        )
        Assignment.objects.create(interaction=item, campaign=item.campaign, agent=agent,
                                  assigned_at=clock)  # fmt: skip
        item.agent, item.state, item.assigned_at = agent, "assigned", clock
        item.save(update_fields=["agent", "state", "assigned_at"])

    for step in range(400):
        clock += dt.timedelta(seconds=rnd.randint(1, 1500))
        op = rnd.random()
        if op < 0.2 or not open_ones:
            origin = rnd.choices(["customer", "agent", "dialer"], [8, 1, 1])[0]
            campaign = rnd.choice(campaigns)
            if origin == "dialer" and rnd.random() < 0.5:
                sent = interaction(campaign, f"+5989{step:07d}", clock, origin="dialer",
                                   closed_at=clock, close_reason="outbound")  # fmt: skip
                message(sent, clock, out=True, bot="dialer")
                continue
            item = interaction(campaign, f"+5989{step:07d}", clock, origin=origin)
            open_ones.append(item)
            if origin == "customer":
                message(item, clock)
        elif op < 0.35:
            item = rnd.choice(open_ones)
            hold(item, rnd.choice(agents))
        elif op < 0.5:
            item = rnd.choice(open_ones)
            if item.agent_id is None or item.state != "assigned":
                continue
            message(item, clock, out=True, agent=item.agent, segments=rnd.randint(1, 3),
                    delivery=rnd.choice(["delivered", "sent", "failed"]))  # fmt: skip
            if item.first_reply_at is None:
                Interaction.objects.filter(pk=item.pk).update(first_reply_at=clock)
                item.refresh_from_db()
        elif op < 0.62:
            item = rnd.choice(open_ones)
            stored = Message.objects.create(
                direction="in", author="customer", provider=item.provider, number=item.number,
                text="hi", routing="pending", created_at=clock,
            )  # fmt: skip
            pending.append((stored, item))
        elif op < 0.7 and pending:
            stored, item = pending.pop(rnd.randrange(len(pending)))
            Message.objects.filter(pk=stored.pk).update(interaction=item, routing="routed")
        elif op < 0.78:
            item = rnd.choice(open_ones)
            if item.state == "assigned" and rnd.random() < 0.5:
                hold(item, rnd.choice(agents))  # requeued and given to someone (maybe the same)
            else:
                Interaction.objects.filter(pk=item.pk).update(unread=rnd.randint(0, 5), seq=step)
        elif op < 0.9:
            item = open_ones.pop(rnd.randrange(len(open_ones)))
            Assignment.objects.filter(interaction=item, released_at__isnull=True).update(
                released_at=clock, release_reason="closed"
            )
            reason = "agent" if item.agent_id else "expired"
            Interaction.objects.filter(pk=item.pk).update(state="closed", closed_at=clock,
                                                          close_reason=reason)  # fmt: skip
        else:
            sent = Message.objects.filter(direction="out", interaction__isnull=False)
            chosen = sent.order_by("?").first()
            if chosen is not None:
                chosen.delivery = "queued" if chosen.delivery == "failed" else "failed"
                chosen.save(update_fields=["delivery"])
        if step % 100 == 99:  # now and then: no figure moves under bulk last-activity updates
            Interaction.objects.update(last_activity_at=clock)
    kept = rollup_rows()
    assert sum(row[0] for row in kept.values()) > 50  # received: the history is not trivial
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT day) FROM reports_rollup")
        assert cursor.fetchone()[0] >= 3  # across midnights
    rebuild()
    assert rollup_rows() == kept
    # Each day's campaign row is the sum of that day's rows of the campaign's agents (and 0).
    sums: dict[tuple, list[int]] = {}
    for (day, campaign, agent), values in kept.items():
        if agent != -1:
            acc = sums.setdefault((day, campaign), [0] * len(values))
            acc[:] = [a + v for a, v in zip(acc, values, strict=True)]
    assert sums == {(d, c): list(v) for (d, c, a), v in kept.items() if a == -1}
