"""gradebook's periodic work, run by Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings)."""

from celery import shared_task

from .services.finals import finals_publish_overdue


@shared_task(name="gradebook.publish_overdue_finals", time_limit=300, soft_time_limit=240)
def publish_overdue_finals() -> int:
    """Every few minutes: stamp and announce the finals that passed 24 hours unconfirmed.

    Families see them from the 24th hour whether or not this runs (the rule is applied when reading);
    the sweep only records the publication and sends ``final_published``, once per final.
    """
    return finals_publish_overdue()
