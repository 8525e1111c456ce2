"""Unsubscribing from a child's emails in one click: every email to a guardian carries a link with a
signed token (guardian, child, channel), and the link needs no login.

The token is the authorization: ``django.core.signing`` with its own salt, so that no other signed
value of the project opens it, and an age limit, so that a forwarded old email stops working one day.
It holds internal ids only (signed, not encrypted: no name, no address).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from gradebook.models import Guardian, Guardianship, Student

SALT = "notifications.unsubscribe"
EMAIL = "email"
MAX_AGE = datetime.timedelta(days=365)


@dataclass(frozen=True)
class UnsubscribeRequest:
    guardian: Guardian
    student: Student
    channel: str


def unsubscribe_token(guardian: Guardian, student: Student) -> str:
    return signing.dumps({"g": guardian.pk, "s": student.pk, "c": EMAIL}, salt=SALT)


def unsubscribe_url(guardian: Guardian, student: Student) -> str:
    """The absolute link for an email to ``guardian`` about ``student`` (and its List-Unsubscribe header)."""
    path = reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(guardian, student)})
    return settings.EDIARY_SITE_URL.rstrip("/") + path


def unsubscribe_request(token: str) -> UnsubscribeRequest | None:
    """What a token asks for, or None for a token that is forged, damaged or expired, or that names no
    guardian and child of theirs (ever: a past guardian may still stop the emails)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        guardian_id, student_id, channel = int(data["g"]), int(data["s"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if channel != EMAIL:
        return None
    link = (
        Guardianship.objects.select_related("guardian__school", "student")
        .filter(guardian_id=guardian_id, student_id=student_id)
        .first()
    )
    if link is None:
        return None
    return UnsubscribeRequest(guardian=link.guardian, student=link.student, channel=channel)
