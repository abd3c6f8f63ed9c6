from celery import shared_task

from campaigns.routing import route_inbound
from providers.models import InboundMessage


@shared_task(acks_late=True)
def route_inbound_messages(message_ids: list[int]) -> None:
    for message in InboundMessage.objects.filter(pk__in=message_ids).order_by("received_at"):
        route_inbound(message)
