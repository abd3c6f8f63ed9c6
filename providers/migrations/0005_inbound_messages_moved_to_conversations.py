"""Inbound messages now live in conversations.Message (copied by conversations' 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0004_inbound_routing_without_routed"),
        ("conversations", "0002_inbound_messages_from_providers"),
    ]

    operations = [migrations.DeleteModel(name="InboundMessage")]
