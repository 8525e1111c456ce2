"""consent's periodic work, run by Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings)."""

from celery import shared_task

from .services.anonymise import contacts_anonymise_due


@shared_task(name="consent.anonymise_withdrawn_contacts", time_limit=600, soft_time_limit=540)
def anonymise_withdrawn_contacts() -> int:
    """Daily: anonymise the contact data of guardians who withdrew their consent long enough ago.

    Takes nothing and is idempotent: a missed or repeated run does no harm.
    """
    return contacts_anonymise_due()
