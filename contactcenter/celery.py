"""The Celery application: broker and results on Redis in every mode."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
