"""Families that notifications can reach, for the alert and delivery tests: verified contacts from a written
application, the channels and rhythm chosen, and a class full of them."""

import datetime
import zoneinfo

from django.utils import timezone

from consent.services.contacts import contact_add_written
from consent.services.preferences import preference_set

from . import factories as f

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
# A Monday morning in the school's time zone: outside the SMS quiet hours, inside the school year.
MONDAY_MORNING = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=MOSCOW)


def reach(guardian, student, *, email: str = "", phone: str = "", sms: bool = False, rhythm: str = "daily"):
    """Give the guardian verified contacts and choose the channels and rhythm for the child."""
    for kind, value in (("email", email), ("phone", phone)):
        if value:
            contact_add_written(
                guardian=guardian,
                kind=kind,
                value=value,
                document_number="12",
                document_date=timezone.localdate(),
                added_by=None,
            )
    preference_set(
        guardian=guardian, student=student, cabinet=True, email=True, sms=sms, rhythm=rhythm, by=guardian.user
    )


def class_of_families(class_unit, count: int, *, rhythm: str = "immediate", sms: bool = True) -> list:
    """``count`` students in the class, each with a consenting guardian reachable by email (and SMS)."""
    school = class_unit.school_year.school
    students = []
    for number in range(count):
        student = f.StudentFactory(school=school, name=f"Ученик{number}")
        f.ClassMembershipFactory(student=student, class_unit=class_unit)
        guardian = f.GuardianFactory(school=school, user=f.UserFactory())
        f.GuardianshipFactory(guardian=guardian, student=student)
        f.record_decision(guardian, student)
        reach(
            guardian,
            student,
            email=f"family{number}@example.ru",
            phone=f"+7916555{number:04d}",
            sms=sms,
            rhythm=rhythm,
        )
        students.append(student)
    return students
