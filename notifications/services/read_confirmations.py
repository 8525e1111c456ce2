"""A parent's "I have read this week's diary": once per guardian, child and week.

Confirmed on the family's week page in the cabinet, or with one click from the weekly digest: the
email's link carries a signed token (guardian, child, week) and needs no login, like the unsubscribe
link. The link opens a page with a button; only its POST records (mail scanners that open links
confirm nothing). The token holds internal ids only (signed, not encrypted) and expires.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from gradebook.models import Guardian, Student

from ..models import ReadConfirmation

SALT = "notifications.read-confirm"
MAX_AGE = datetime.timedelta(days=60)


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@transaction.atomic
def read_confirm(*, guardian: Guardian, student: Student, week_start: datetime.date, user) -> ReadConfirmation:
    """Record that the guardian read the child's diary of the week starting ``week_start`` (any day
    of the week names it); a second confirmation keeps the first one's time and user."""
    confirmation, _created = ReadConfirmation.objects.get_or_create(
        guardian=guardian, student=student, week_start=monday_of(week_start), defaults={"user": user}
    )
    return confirmation


@dataclass(frozen=True)
class ReadConfirmRequest:
    guardian: Guardian
    student: Student
    week_start: datetime.date


def read_confirm_token(guardian: Guardian, student: Student, week_start: datetime.date) -> str:
    return signing.dumps({"g": guardian.pk, "s": student.pk, "w": monday_of(week_start).isoformat()}, salt=SALT)


def read_confirm_url(guardian: Guardian, student: Student, week_start: datetime.date) -> str:
    """The absolute one-click link of a weekly digest (no query)."""
    path = reverse("notifications:read-confirm", kwargs={"token": read_confirm_token(guardian, student, week_start)})
    return settings.EDIARY_SITE_URL.rstrip("/") + path


def read_confirm_request(token: str) -> ReadConfirmRequest | None:
    """What a token asks to confirm, or None for a token that is forged, damaged, expired or names
    nobody. Whether the guardian may still read the child's diary is the view's question (the access
    policy's ``guardian_reads_child``)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        guardian_id, student_id = int(data["g"]), int(data["s"])
        week_start = monday_of(datetime.date.fromisoformat(data["w"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    guardian = Guardian.objects.select_related("user").filter(pk=guardian_id).first()
    student = Student.objects.select_related("school").filter(pk=student_id).first()
    if guardian is None or student is None:
        return None
    return ReadConfirmRequest(guardian=guardian, student=student, week_start=week_start)
