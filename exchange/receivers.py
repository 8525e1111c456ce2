"""exchange's answers to what gradebook and consent announce: webhook rows, in the sender's transaction."""

from django.dispatch import receiver

from consent.signals import consent_changed
from gradebook import signals

from . import webhooks


@receiver(signals.final_published, dispatch_uid="exchange.final_published")
def final_published(sender, final, **kwargs):
    """Told only when consent lets the portal show some family of the child; once per publication."""
    version = f"{final.published_at.timestamp():.6f}" if final.published_at else "0"
    webhooks.webhooks_write(
        school_id=final.school_id,
        event=webhooks.FINAL_PUBLISHED,
        key=f"{final.public_id}:{version}",
        payload=lambda: webhooks.final_payload(final) if webhooks.portal_allowed(final.student_id) else None,
    )


@receiver(signals.lesson_changed, dispatch_uid="exchange.lesson_changed")
def lesson_changed(sender, lesson, change, **kwargs):
    """A class's or group's timetable: no family's data, told to every client of the school."""
    webhooks.webhooks_write(
        school_id=lesson.school_id,
        event=webhooks.LESSON_CHANGED,
        key=f"{lesson.public_id}:{change.pk}",
        payload=lambda: webhooks.lesson_payload(lesson, change),
    )


@receiver(consent_changed, dispatch_uid="exchange.consent_changed")
def consent_changed_(sender, record, **kwargs):
    """Every decision, so that the portal starts or stops showing the family (``portal`` says which)."""
    webhooks.webhooks_write(
        school_id=record.school_id,
        event=webhooks.CONSENT_CHANGED,
        key=f"{record.public_id}:0",
        payload=lambda: webhooks.consent_payload(record),
    )
