"""A small history for the recordings' tests: two groups, three campaigns, two agents, five
interactions with every kind of author (customer, agent, out-of-time reply, dialer, SendSMS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from campaigns.models import Campaign
from conversations.models import Assignment, Interaction, Message
from conversations.states import Author, BotKind, CloseReason, Delivery, Direction, Origin
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import make_user

UTC = dt.UTC


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    sales: Campaign
    support: Campaign
    collect: Campaign
    alex: User
    bea: User
    i1: Interaction  # sales, answered by Alex, customer text with a formula
    i2: Interaction  # support, out-of-time reply, requeued: Alex then Bea
    i3: Interaction  # sales, a dialer message (closed at once)
    i4: Interaction  # collect (the other group), abandoned
    i5: Interaction  # sales, a SendSMS message with Bea kept on it

    @property
    def newest_first(self) -> list[int]:
        return [self.i5.pk, self.i3.pk, self.i4.pk, self.i2.pk, self.i1.pk]


def message(interaction: Interaction, when: dt.datetime, text: str, **fields: object) -> Message:
    author = fields.pop("author", Author.CUSTOMER)
    direction = Direction.IN if author == Author.CUSTOMER else Direction.OUT
    if direction == Direction.OUT:
        fields.setdefault("delivery", Delivery.DELIVERED)
    return Message.objects.create(
        interaction=interaction, provider=interaction.provider, number=interaction.number,
        direction=direction, author=author, text=text, created_at=when, routing="routed"
        if direction == Direction.IN else "", **fields,
    )  # fmt: skip


def interaction(campaign: Campaign, number: str, opened: dt.datetime, **fields: object):  # noqa: ANN201
    fields.setdefault("state", "closed")
    return Interaction.objects.create(
        campaign=campaign, provider=campaign.provider, number=number, opened_at=opened,
        last_activity_at=opened + dt.timedelta(minutes=30),
        closed_at=opened + dt.timedelta(minutes=30) if fields["state"] == "closed" else None,
        **fields,
    )  # fmt: skip


def build(supervisor: User, other_supervisor: User, other_group: SecurityGroup) -> World:
    sales = make_campaign(supervisor, name="Sales", did="1234")
    support = make_campaign(supervisor, name="Support", did="1235")
    collect = make_campaign(
        other_supervisor,
        name="Collections",
        did="999",
        provider=provider(),
        security_group=other_group,
    )
    group = supervisor.security_groups.first()
    alex = User.objects.filter(username="alex").first() or make_user("alex", Role.AGENT, [group])
    bea = make_user("bea", Role.AGENT, [group])
    bea.first_name, bea.last_name = "Bea", "Ortiz"
    bea.save()

    i1 = interaction(sales, "+59898123456", at(1), agent=alex, assigned_at=at(1, 10, 1),
                     first_reply_at=at(1, 10, 2), closed_by=alex, close_reason=CloseReason.AGENT)  # fmt: skip
    message(i1, at(1, 10, 0), "Hi, I have a question about my invoice")
    message(i1, at(1, 10, 2), "Hello! Let me check that.", author=Author.AGENT, agent=alex)
    message(i1, at(1, 10, 3), '=HYPERLINK("http://evil","x")')
    message(i1, at(1, 10, 4), "-2+3 is my code", author=Author.AGENT, agent=alex,
            delivery=Delivery.FAILED)  # fmt: skip
    Assignment.objects.create(interaction=i1, campaign=sales, agent=alex, assigned_at=at(1, 10, 1),
                              released_at=at(1, 10, 30), release_reason="closed")  # fmt: skip

    i2 = interaction(support, "+59899111222", at(5), agent=bea, first_reply_at=at(5, 11),
                     closed_by=supervisor, close_reason=CloseReason.SUPERVISOR)  # fmt: skip
    message(i2, at(5, 10, 0), "I want a refund please")
    message(
        i2,
        at(
            5,
            10,
            0,
        ),
        "We are closed.",
        author=Author.BOT,
        bot_kind=BotKind.OUT_OF_TIME,
    )
    message(i2, at(5, 11, 0), "Your refund is on its way", author=Author.AGENT, agent=bea,
            delivery=Delivery.SENDING)  # fmt: skip
    Assignment.objects.create(interaction=i2, campaign=support, agent=alex, assigned_at=at(5, 10, 5),
                              released_at=at(5, 10, 9), release_reason="requeued")  # fmt: skip
    Assignment.objects.create(interaction=i2, campaign=support, agent=bea, assigned_at=at(5, 10, 10),
                              released_at=at(5, 11, 30), release_reason="closed")  # fmt: skip

    i4 = interaction(collect, "+59891000000", at(7), close_reason=CloseReason.EXPIRED)
    message(i4, at(7, 10, 0), "Please cancel the subscription")

    i3 = interaction(sales, "+59898123456", at(10), origin=Origin.DIALER,
                     close_reason=CloseReason.OUTBOUND)  # fmt: skip
    message(i3, at(10, 10, 0), "Your appointment is confirmed", author=Author.BOT,
            bot_kind=BotKind.DIALER)  # fmt: skip

    i5 = interaction(sales, "+59894555666", at(12), origin=Origin.SENDSMS, agent=bea,
                     close_reason=CloseReason.OUTBOUND)  # fmt: skip
    message(i5, at(12, 9, 0), "Your code is 4471", author=Author.BOT, bot_kind=BotKind.SENDSMS,
            agent=bea)  # fmt: skip
    return World(sales, support, collect, alex, bea, i1, i2, i3, i4, i5)
