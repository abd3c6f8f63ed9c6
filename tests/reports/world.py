"""A small report history with hand-computed figures (Montevideo time, UTC−3), built with the
ORM so the rollup triggers see every row as the application writes it.

Campaign "Sales" (service level threshold 60 s, abandon 600 s), day D = 2026-11-10 local:
- i1 10:00 queued, ag1 assigned +5 s, first reply +30 s (in SL), closed assigned +600 s.
- i2 11:00, ag1 assigned +10 s, first reply +90 s (not in SL), closed assigned +300 s.
- i3 12:00, nobody, closed (expired) +900 s: abandoned (900 > 600).
- i4 13:00, nobody, closed +100 s: neither answered nor abandoned (short).
- i5 23:50 (02:50 UTC next day: day D in Montevideo), ag2 assigned +20 s, reply +40 s, open.
- i6 D+1 00:10, queued, open.
- i7 agent-started by ag2, i8 a dialer send closed at once: not received (messages count).
Campaign "Collections" (other group) has one answered interaction on day D.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from typing import Any

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Campaign
from conversations.models import Assignment, Interaction, Message
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user

ZONE = "America/Montevideo"
TZ = zoneinfo.ZoneInfo(ZONE)
D = dt.date(2026, 11, 10)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def s(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


@dataclasses.dataclass
class World:
    sales: Campaign
    collections: Campaign
    ag1: User
    ag2: User
    ag3: User  # Collections' agent
    interactions: dict[str, Interaction]


def interaction(campaign: Campaign, number: str, opened: dt.datetime, **values: Any) -> Interaction:
    values.setdefault("queued_at", opened)
    values.setdefault("state", "closed" if values.get("closed_at") else "queued")
    return Interaction.objects.create(
        campaign=campaign,
        provider=campaign.provider,
        number=number,
        opened_at=opened,
        last_activity_at=opened,
        **values,
    )


def held(item: Interaction, agent: User, assigned: dt.datetime, released: Any = None) -> None:
    Assignment.objects.create(
        interaction=item,
        campaign=item.campaign,
        agent=agent,
        assigned_at=assigned,
        released_at=released,
    )


def message(
    item: Interaction, created: dt.datetime, *, out: bool = False, agent: User | None = None,
    segments: int = 1, delivery: str = "", bot: str = "",
) -> Message:  # fmt: skip
    author = "customer" if not out else ("bot" if bot else "agent")
    return Message.objects.create(
        interaction=item,
        direction="out" if out else "in",
        author=author,
        agent=agent,
        bot_kind=bot,
        provider=item.provider,
        number=item.number,
        text="hi",
        segments=segments,
        delivery=delivery or ("delivered" if out else ""),
        routing="" if out else "routed",
        created_at=created,
    )


def build(supervisor: User, other_supervisor: User, group: Any, other_group: Any) -> World:
    sales = make_campaign(supervisor, name="Sales", threshold_service_level=60,
                          threshold_abandon=600)  # fmt: skip
    collections = make_campaign(other_supervisor, name="Collections", did="999",
                                threshold_service_level=60, threshold_abandon=600)  # fmt: skip
    ag1 = make_user("ana", Role.AGENT, [group])
    ag2 = make_user("bruno", Role.AGENT, [group])
    ag3 = make_user("carla", Role.AGENT, [other_group])
    t1 = at(D, 10)
    i1 = interaction(sales, "+59899000001", t1, agent=ag1, assigned_at=t1 + s(5),
                     first_reply_at=t1 + s(30), closed_at=t1 + s(605), close_reason="agent")  # fmt: skip
    held(i1, ag1, t1 + s(5), t1 + s(605))
    t2 = at(D, 11)
    i2 = interaction(sales, "+59899000002", t2, agent=ag1, assigned_at=t2 + s(10),
                     first_reply_at=t2 + s(90), closed_at=t2 + s(310), close_reason="agent")  # fmt: skip
    held(i2, ag1, t2 + s(10), t2 + s(310))
    t3 = at(D, 12)
    i3 = interaction(sales, "+59899000003", t3, closed_at=t3 + s(900), close_reason="expired")
    t4 = at(D, 13)
    i4 = interaction(sales, "+59899000004", t4, closed_at=t4 + s(100), close_reason="supervisor")
    t5 = at(D, 23, 50)
    i5 = interaction(sales, "+59899000005", t5, agent=ag2, state="assigned",
                     assigned_at=t5 + s(20), first_reply_at=t5 + s(40))  # fmt: skip
    held(i5, ag2, t5 + s(20))
    t6 = at(D + dt.timedelta(days=1), 0, 10)
    i6 = interaction(sales, "+59899000006", t6)
    t7 = at(D, 14)
    i7 = interaction(sales, "+59899000007", t7, origin="agent", agent=ag2, state="assigned",
                     assigned_at=t7, first_reply_at=t7)  # fmt: skip
    held(i7, ag2, t7)
    t8 = at(D, 15)
    i8 = interaction(sales, "+59899000008", t8, origin="dialer", closed_at=t8,
                     close_reason="outbound")  # fmt: skip
    tc = at(D, 9)
    c1 = interaction(collections, "+59899000009", tc, agent=ag3, state="assigned",
                     assigned_at=tc + s(1), first_reply_at=tc + s(2))  # fmt: skip
    held(c1, ag3, tc + s(1))
    # Messages, after the assignments (as in life: the holder is known when they arrive).
    message(i1, t1)  # before ag1 took it: no agent
    message(i1, t1 + s(30), out=True, agent=ag1, segments=2)
    message(i1, t1 + s(60))  # ag1 holds it
    message(i1, t1 + s(90), out=True, agent=ag1, delivery="failed")
    message(i5, t5)
    message(i5, t5 + s(40), out=True, agent=ag2)
    message(i5, at(D + dt.timedelta(days=1), 0, 5))  # next local day, ag2 holds it
    message(i7, t7, out=True, agent=ag2, segments=3)
    message(i8, t8, out=True, bot="dialer")
    message(c1, tc)
    message(c1, tc + s(2), out=True, agent=ag3)
    return World(sales, collections, ag1, ag2, ag3,
                 {"i1": i1, "i2": i2, "i3": i3, "i4": i4, "i5": i5, "i6": i6, "i7": i7,
                  "i8": i8, "c1": c1})  # fmt: skip
