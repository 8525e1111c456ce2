"""Changes to dated lessons: substitution, move, cancellation, extra lesson.

Each change is a ``LessonChange`` row with its reason, who recorded it and what the lesson was before
(teacher, date, number, room): the original stays visible. The lesson itself holds how it now stands
(its flags ``substitute``, ``is_moved``, ``is_cancelled``, ``is_extra``). Every service sends
``lesson_changed`` inside its transaction; notifications turns it into alerts for the families.

A lesson of a closed reporting period never changes, and a cancelled lesson stays cancelled.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..models import (
    Attendance,
    ClassUnit,
    ControlWork,
    Employee,
    Lesson,
    LessonChange,
    Mark,
    SchoolYear,
    StudyGroup,
    Subject,
)
from .timetable import (
    LESSON_NUMBERS,
    ROOM_MAX_LENGTH,
    SUNDAY,
    bell_spans,
    closed_period_on,
    grade_of,
    holiday_on,
    lock_school_year,
    school_year_of,
    shift_of,
    slots_overlap,
)

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = LessonChange._meta.get_field("reason").max_length


# --- Checks ------------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("The reason is at most %(max)s characters."), params={"max": REASON_MAX_LENGTH}
                )
            }
        )
    return reason


def _lock(lesson: Lesson) -> tuple[SchoolYear, int | None]:
    """Lock the lesson's school year and the lesson, re-read the lesson as it now stands, and return
    its school year and grade level."""
    unit_year = school_year_of(class_unit=lesson.class_unit, study_group=lesson.study_group)
    lock_school_year(unit_year)
    list(Lesson.objects.select_for_update().filter(pk=lesson.pk).values_list("pk", flat=True))
    lesson.refresh_from_db()
    return unit_year, grade_of(class_unit=lesson.class_unit, study_group=lesson.study_group)


def _check_changeable(lesson: Lesson, year: SchoolYear, grade: int | None) -> None:
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled: it cannot be changed any more."))
    period = closed_period_on(school_year=year, grade=grade, day=lesson.date)
    if period is not None:
        raise ValidationError(
            _("The lesson is in a closed period (%(period)s): it cannot be changed."), params={"period": period}
        )


def _check_day(*, year: SchoolYear, grade: int | None, day: datetime.date) -> None:
    """A lesson may be held on this day: within the school year, not on a Sunday or a holiday of the
    grade level, not in a closed period."""
    if not year.starts_on <= day <= year.ends_on:
        raise ValidationError({"date": _("The date is outside the school year.")})
    if day.isoweekday() == SUNDAY:
        raise ValidationError({"date": _("There are no lessons on Sunday.")})
    holiday = holiday_on(school_year=year, grade=grade, day=day)
    if holiday is not None:
        raise ValidationError(
            {"date": ValidationError(_("The date falls in the holidays (%(holiday)s)."), params={"holiday": holiday})}
        )
    period = closed_period_on(school_year=year, grade=grade, day=day)
    if period is not None:
        raise ValidationError(
            {"date": ValidationError(_("The date is in a closed period (%(period)s)."), params={"period": period})}
        )


def _check_number(number: int) -> None:
    if number not in LESSON_NUMBERS:
        raise ValidationError({"number": _("Lesson numbers run from 0 to 12.")})


def _check_room(room: str) -> None:
    if len(room) > ROOM_MAX_LENGTH:
        raise ValidationError(
            {"room": ValidationError(_("A room is at most %(max)s characters."), params={"max": ROOM_MAX_LENGTH})}
        )


def _check_teacher(teacher: Employee, school_id: int, field: str) -> None:
    if teacher.school_id != school_id or not teacher.is_active or not teacher.is_teacher:
        raise ValidationError({field: _("Choose an active teacher of the school.")})


def _check_class_free(
    *,
    school_id: int,
    class_unit: ClassUnit | None,
    study_group: StudyGroup | None,
    day: datetime.date,
    number: int,
    exclude: int | None = None,
) -> None:
    """The class (or group) has no other lesson in that slot: its own, a subgroup's for a class, the
    class's for a subgroup. Cancelled lessons free their slot."""
    if class_unit is not None:
        pupils = Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit)
    elif study_group.class_unit_id:
        pupils = Q(study_group=study_group) | Q(class_unit_id=study_group.class_unit_id)
    else:
        pupils = Q(study_group=study_group)
    other = (
        Lesson.objects.filter(pupils, school_id=school_id, date=day, number=number, is_cancelled=False)
        .exclude(pk=exclude)
        .select_related("subject", "class_unit", "study_group")
        .first()
    )
    if other is not None:
        raise ValidationError(
            _("%(unit)s already has a lesson then: %(subject)s, lesson %(number)s on %(date)s."),
            params={
                "unit": other.class_unit or other.study_group,
                "subject": other.subject,
                "number": number,
                "date": day.strftime("%d.%m.%Y"),
            },
        )


def _check_teacher_free(
    *,
    teacher: Employee,
    year: SchoolYear,
    shift: int,
    day: datetime.date,
    number: int,
    field: str,
    exclude: int | None = None,
) -> None:
    """The teacher conducts no other lesson that day at a time that meets this slot."""
    lessons = (
        Lesson.objects.filter(school_id=teacher.school_id, date=day, is_cancelled=False)
        .filter(Q(teacher=teacher, substitute__isnull=True) | Q(substitute=teacher))
        .exclude(pk=exclude)
        .select_related("class_unit", "study_group__class_unit", "subject")
    )
    spans = None
    for other in lessons:
        other_slot = (shift_of(class_unit=other.class_unit, study_group=other.study_group), other.number)
        if other_slot[0] != shift and spans is None:
            spans = bell_spans(year)
        if slots_overlap(spans or {}, (shift, number), other_slot):
            raise ValidationError(
                {
                    field: ValidationError(
                        _("%(teacher)s teaches %(unit)s then (%(subject)s, lesson %(number)s)."),
                        params={
                            "teacher": teacher.short_name,
                            "unit": other.class_unit or other.study_group,
                            "subject": other.subject,
                            "number": other.number,
                        },
                    )
                }
            )


def _record(*, lesson: Lesson, kind: str, reason: str, by, original: bool = True) -> LessonChange:
    """Write the change with what the lesson was (its state before the caller changes it)."""
    change = LessonChange(school_id=lesson.school_id, lesson=lesson, kind=kind, reason=reason, recorded_by=by)
    if original:
        change.old_teacher_id = lesson.substitute_id or lesson.teacher_id
        change.old_date, change.old_number, change.old_room = lesson.date, lesson.number, lesson.room
    return change


def _announce(*, lesson: Lesson, change: LessonChange, by) -> None:
    signals.lesson_changed.send(sender=Lesson, lesson=lesson, change=change, by=by)
    logger.info("lesson %s: %s recorded by user %s", lesson.pk, change.kind, getattr(by, "pk", None))


# --- The changes -------------------------------------------------------------------------------


@transaction.atomic
def lesson_substitute(*, lesson: Lesson, substitute: Employee, reason: str, by) -> LessonChange:
    """Another teacher conducts the lesson (замена). The lesson's own teacher stays its teacher."""
    reason = _reason(reason)
    year, grade = _lock(lesson)
    _check_changeable(lesson, year, grade)
    _check_teacher(substitute, lesson.school_id, "substitute")
    if substitute.pk == lesson.teacher_id:
        raise ValidationError({"substitute": _("This is the lesson's own teacher: choose another one.")})
    if substitute.pk == lesson.substitute_id:
        raise ValidationError({"substitute": _("This teacher already substitutes for this lesson.")})
    _check_teacher_free(
        teacher=substitute,
        year=year,
        shift=shift_of(class_unit=lesson.class_unit, study_group=lesson.study_group),
        day=lesson.date,
        number=lesson.number,
        field="substitute",
        exclude=lesson.pk,
    )
    change = _record(lesson=lesson, kind=LessonChange.Kind.SUBSTITUTION, reason=reason, by=by)
    lesson.substitute = substitute
    lesson.save(update_fields=["substitute", "updated_at"])
    change.save()
    _announce(lesson=lesson, change=change, by=by)
    return change


@transaction.atomic
def lesson_move(
    *,
    lesson: Lesson,
    date: datetime.date | None = None,
    number: int | None = None,
    room: str | None = None,
    reason: str,
    by,
) -> LessonChange:
    """Move the lesson to another date, lesson number or room (перенос). Its marks, attendance and
    control work follow it to the new date."""
    reason = _reason(reason)
    year, grade = _lock(lesson)
    _check_changeable(lesson, year, grade)
    new_date = date if date is not None else lesson.date
    new_number = number if number is not None else lesson.number
    new_room = (room if room is not None else lesson.room).strip()
    if (new_date, new_number, new_room) == (lesson.date, lesson.number, lesson.room):
        raise ValidationError(_("Nothing changes: give another date, lesson number or room."))
    _check_room(new_room)
    if (new_date, new_number) != (lesson.date, lesson.number):
        _check_number(new_number)
        _check_day(year=year, grade=grade, day=new_date)
        _check_class_free(
            school_id=lesson.school_id,
            class_unit=lesson.class_unit,
            study_group=lesson.study_group,
            day=new_date,
            number=new_number,
            exclude=lesson.pk,
        )
        _check_teacher_free(
            teacher=lesson.conducting_teacher,
            year=year,
            shift=shift_of(class_unit=lesson.class_unit, study_group=lesson.study_group),
            day=new_date,
            number=new_number,
            field="date",
            exclude=lesson.pk,
        )
    change = _record(lesson=lesson, kind=LessonChange.Kind.MOVE, reason=reason, by=by)
    lesson.date, lesson.number, lesson.room, lesson.is_moved = new_date, new_number, new_room, True
    lesson.save(update_fields=["date", "number", "room", "is_moved", "updated_at"])
    if new_date != change.old_date:
        # Marks and attendance carry the lesson's date so that a family's page reads them directly.
        Mark.objects.filter(lesson=lesson).update(date=new_date)
        Attendance.objects.filter(lesson=lesson).update(date=new_date)
    ControlWork.objects.filter(lesson=lesson).update(date=new_date, number=new_number)
    change.save()
    _announce(lesson=lesson, change=change, by=by)
    return change


@transaction.atomic
def lesson_cancel(*, lesson: Lesson, reason: str, by) -> LessonChange:
    """The lesson is not held (отмена). It stays in the journal, marked cancelled, and is not counted
    as held. A lesson with marks or attendance was held: those are removed first."""
    reason = _reason(reason)
    year, grade = _lock(lesson)
    _check_changeable(lesson, year, grade)
    if Mark.objects.filter(lesson=lesson).exists() or Attendance.objects.filter(lesson=lesson).exists():
        raise ValidationError(_("The lesson has marks or attendance entries: remove them before cancelling it."))
    change = _record(lesson=lesson, kind=LessonChange.Kind.CANCELLATION, reason=reason, by=by)
    lesson.is_cancelled = True
    lesson.save(update_fields=["is_cancelled", "updated_at"])
    change.save()
    _announce(lesson=lesson, change=change, by=by)
    return change


@transaction.atomic
def lesson_add_extra(
    *,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    subject: Subject,
    teacher: Employee,
    date: datetime.date,
    number: int,
    room: str = "",
    reason: str,
    by,
) -> LessonChange:
    """An extra lesson outside the timetable (a make-up lesson, a consultation). Returns its change;
    the new lesson is ``change.lesson``."""
    reason = _reason(reason)
    if (class_unit is None) == (study_group is None):
        raise ValidationError(_("For a class or for a group, not both."))
    year = school_year_of(class_unit=class_unit, study_group=study_group)
    grade = grade_of(class_unit=class_unit, study_group=study_group)
    room = (room or "").strip()
    if subject.school_id != year.school_id:
        raise ValidationError({"subject": _("The subject is of another school.")})
    _check_teacher(teacher, year.school_id, "teacher")
    _check_room(room)
    _check_number(number)
    lock_school_year(year)
    _check_day(year=year, grade=grade, day=date)
    _check_class_free(school_id=year.school_id, class_unit=class_unit, study_group=study_group, day=date, number=number)
    _check_teacher_free(
        teacher=teacher,
        year=year,
        shift=shift_of(class_unit=class_unit, study_group=study_group),
        day=date,
        number=number,
        field="teacher",
    )
    lesson = Lesson.objects.create(
        school_id=year.school_id,
        class_unit=class_unit,
        study_group=study_group,
        subject=subject,
        teacher=teacher,
        date=date,
        number=number,
        room=room,
        is_extra=True,
    )
    change = _record(lesson=lesson, kind=LessonChange.Kind.EXTRA, reason=reason, by=by, original=False)
    change.save()
    _announce(lesson=lesson, change=change, by=by)
    return change
