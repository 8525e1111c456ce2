"""The Celery application, configured from Django's settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ediary.settings")

app = Celery("ediary")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="ediary.health")
def health() -> str:
    """A task that does nothing but answer: used by health checks and the worker tests."""
    return "ok"
