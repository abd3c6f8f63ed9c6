"""Inbound messages stored by earlier versions (providers.InboundMessage) become messages of
conversations: nothing already stored is lost. Those that were waiting or queued are routed
again by the new rules (they never reached an agent); unrouted ones stay unrouted."""

from django.db import migrations

CHUNK = 2000


def copy_inbound(apps, schema_editor):
    from contactcenter.phones import customer_number

    InboundMessage = apps.get_model("providers", "InboundMessage")
    Message = apps.get_model("conversations", "Message")
    last = 0
    while True:
        chunk = list(InboundMessage.objects.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        Message.objects.bulk_create(
            [
                Message(
                    direction="in",
                    author="customer",
                    provider_id=old.provider_id,
                    provider_message_id=old.provider_message_id,
                    number=customer_number(old.sender),
                    did=old.recipient,
                    text=old.text,
                    segments=old.segments,
                    created_at=old.received_at,
                    routing="unrouted" if old.routing == "unrouted" else "pending",
                    raw=old.raw,
                )
                for old in chunk
            ],
            ignore_conflicts=True,
        )
        last = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0001_initial"),
        ("providers", "0004_inbound_routing_without_routed"),
    ]

    operations = [migrations.RunPython(copy_inbound, migrations.RunPython.noop)]
