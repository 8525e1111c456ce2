"""exchange's answers to what gradebook and consent announce: webhook rows and tombstones, in the sender's
transaction."""

from django.dispatch import receiver

from consent.signals import consent_changed
from gradebook import signals

from . import tombstones, webhooks
from .selectors import portal_allowed


@receiver(signals.final_published, dispatch_uid="exchange.final_published")
def final_published(sender, final, **kwargs):
    """Told only when consent lets the portal show some family of the child; once per publication."""
    version = f"{final.published_at.timestamp():.6f}" if final.published_at else "0"
    webhooks.webhooks_write(
        school_id=final.school_id,
        event=webhooks.FINAL_PUBLISHED,
        key=f"{final.public_id}:{version}",
        payload=lambda: webhooks.final_payload(final) if portal_allowed(final.student_id) else None,
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
    """Every decision, so that the portal starts or stops showing the family (``portal`` says which).

    When no family of the child allows the portal any more, the student is also a tombstone: a client that
    only pulls learns to forget the child's records at its next sync."""
    webhooks.webhooks_write(
        school_id=record.school_id,
        event=webhooks.CONSENT_CHANGED,
        key=f"{record.public_id}:0",
        payload=lambda: webhooks.consent_payload(record),
    )
    if not portal_allowed(record.student_id):
        tombstones.tombstones_write(
            school_id=record.school_id, resource="student", keys=[{"id": str(record.student.public_id)}]
        )


@receiver(signals.records_removed, dispatch_uid="exchange.records_removed")
def records_removed(sender, public_ids, school_id, **kwargs):
    resource = tombstones.RESOURCES.get(sender)
    if resource:
        keys = [{"id": str(public_id)} for public_id in public_ids]
        tombstones.tombstones_write(school_id=school_id, resource=resource, keys=keys)


@receiver(signals.mark_removed, dispatch_uid="exchange.mark_removed")
def mark_removed(sender, lesson, student, position, **kwargs):
    """The cell's last place went: a second mark left behind is reported changed, at the first place."""
    key = {"lesson_id": str(lesson.public_id), "student_id": str(student.public_id), "position": position}
    tombstones.tombstones_write(school_id=lesson.school_id, resource=tombstones.MARK, keys=[key])


@receiver(signals.attendance_recorded, dispatch_uid="exchange.attendance_recorded")
def attendance_recorded(sender, entry, lesson, student, **kwargs):
    if entry is None:  # cleared
        key = {"lesson_id": str(lesson.public_id), "student_id": str(student.public_id)}
        tombstones.tombstones_write(school_id=lesson.school_id, resource=tombstones.ATTENDANCE, keys=[key])
