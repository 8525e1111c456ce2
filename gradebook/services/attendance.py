"""Attendance on a lesson: one code per student (н, б, у, п, о — the school year's own codes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Attendance, AttendanceCode, JournalChange, Lesson, SchoolYear, Student
from ..models.curriculum import DEFAULT_ATTENDANCE_CODES
from .journal import history, require_editable, require_member


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    is_excused: bool


def attendance_codes_for(school_year: SchoolYear | int) -> list[Code]:
    """The school year's attendance codes in order; the defaults (н, б, у, п, о) when it defines none."""
    school_year_id = school_year if isinstance(school_year, int) else school_year.pk
    rows = AttendanceCode.objects.filter(grading__school_year_id=school_year_id).order_by("position", "code")
    codes = [Code(row.code, row.name, row.is_excused) for row in rows]
    return codes or [Code(code, str(name), excused) for code, name, excused in DEFAULT_ATTENDANCE_CODES]


def lesson_school_year_id(lesson: Lesson) -> int:
    return lesson.class_unit.school_year_id if lesson.class_unit_id else lesson.study_group.school_year_id


@transaction.atomic
def attendance_set(*, lesson: Lesson, student: Student, code: str, by) -> Attendance | None:
    """Record the student's attendance code on the lesson, change it, or clear it (``code=""``)."""
    require_editable(by, lesson)
    code = (code or "").strip().lower()
    if code:
        allowed = [c.code for c in attendance_codes_for(lesson_school_year_id(lesson))]
        if code not in allowed:
            raise ValidationError(
                _("%(code)s is not an attendance code: use %(codes)s.") % {"code": code, "codes": ", ".join(allowed)},
                code="bad_code",
            )
    require_member(lesson, student)
    entry = Attendance.objects.select_for_update().filter(lesson=lesson, student=student).first()
    old = entry.code if entry else ""
    if old == code:
        return entry
    if not code:
        entry.delete()
        entry = None
    elif entry is None:
        entry = Attendance.objects.create(
            school_id=lesson.school_id, lesson=lesson, student=student, date=lesson.date, code=code, recorded_by=by
        )
    else:
        entry.code, entry.recorded_by = code, by
        entry.save(update_fields=["code", "recorded_by", "updated_at"])
    _taken(lesson)
    history(lesson=lesson, student=student, kind=JournalChange.Kind.ATTENDANCE, old=old, new=code, by=by)
    signals.attendance_recorded.send(sender=Attendance, entry=entry, lesson=lesson, student=student, by=by)
    return entry


def _taken(lesson: Lesson) -> None:
    """Stamp the first time attendance was taken for the lesson (the timeliness report reads it)."""
    if lesson.attendance_taken_at is None:
        lesson.attendance_taken_at = timezone.now()
        Lesson.objects.filter(pk=lesson.pk, attendance_taken_at__isnull=True).update(
            attendance_taken_at=lesson.attendance_taken_at
        )


@transaction.atomic
def attendance_taken(*, lesson: Lesson, taken: bool, by) -> Lesson:
    """The teacher says attendance was taken: everyone without an entry was present. Unsaying it is possible
    only while the lesson has no attendance entries (they show it was taken)."""
    require_editable(by, lesson)
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if taken:
        _taken(lesson)
    elif lesson.attendance_taken_at is not None and not Attendance.objects.filter(lesson=lesson).exists():
        lesson.attendance_taken_at = None
        Lesson.objects.filter(pk=lesson.pk).update(attendance_taken_at=None)
    return lesson
