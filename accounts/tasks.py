from celery import shared_task

from contactcenter.events import publish_now, user_group


@shared_task
def notify_user(user_id: int, text: str) -> None:
    """Show ``text`` to the user in every browser tab they have open."""
    publish_now(user_group(user_id), "notice", {"text": text})
