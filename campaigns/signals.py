"""Signals campaigns send to the apps above them (which campaigns never import)."""

from django.dispatch import Signal

# Sent inside the caller's transaction with ``agent_ids`` and ``campaign_ids`` when agents join
# campaigns in bulk (no ``post_save`` then): conversations assigns what waits there.
members_added = Signal()

# Sent inside the caller's transaction with ``agent_id`` and ``campaign_ids`` when an agent is
# taken out of campaigns: conversations requeues what they held there.
members_removed = Signal()
