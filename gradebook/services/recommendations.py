"""A teacher's recommendations to a student and family (рекомендации педагога)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import access, signals
from ..models import Employee, Recommendation, Student, Subject

TEXT_MAX_LENGTH = 2000


@transaction.atomic
def recommendation_write(
    *, student: Student, teacher: Employee, text: str, subject: Subject | None = None, by
) -> Recommendation:
    """Write a recommendation to a student (and their family), optionally about a subject.

    ``teacher`` is the signing teacher's profile in the student's school, and ``by`` its login: a
    teacher who teaches the student today or leads their class (PermissionDenied otherwise). The
    text is required and at most ``TEXT_MAX_LENGTH`` characters (ValidationError).
    """
    if (
        teacher.user_id != by.pk
        or not (teacher.is_teacher and teacher.is_active)
        or teacher.school_id != student.school_id
        or not access.students_taught_by(by).filter(pk=student.pk).exists()
    ):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the recommendation.")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A recommendation is at most %(max)s characters long.") % {"max": TEXT_MAX_LENGTH}}
        )
    if subject is not None and subject.school_id != student.school_id:
        raise ValidationError({"subject": _("This subject belongs to another school.")})
    recommendation = Recommendation.objects.create(
        school_id=student.school_id, student=student, teacher=teacher, subject=subject, text=text
    )
    signals.recommendation_written.send(sender=Recommendation, recommendation=recommendation, by=by)
    return recommendation
