"""The journal's writes that are not marks, attendance or homework: the lesson's topic, one cell of the
grid as the teacher types it, and closing or reopening a reporting period.

Every write here and in ``marks``, ``attendance`` and ``homework`` checks the access policy itself
(a service cannot be called around it), validates before it writes, writes a ``JournalChange`` row
and sends its signal inside its transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .. import access
from ..models import (
    Attendance,
    ClassMembership,
    JournalChange,
    Lesson,
    Mark,
    ReportingPeriod,
    Student,
    WorkType,
)
from ..selectors.members import students_on

HISTORY_LENGTH = 500  # JournalChange.old_value / new_value


# --- Helpers the journal's services share ------------------------------------------------------


def require_editable(by, lesson: Lesson) -> None:
    """The policy's answer, asked by every service: PermissionDenied unless ``by`` records on the lesson."""
    if not access.can_edit_lesson(by, lesson):
        raise PermissionDenied(_("You cannot record on this lesson."))


def lesson_students(lesson: Lesson, on: datetime.date | None = None):
    """The students of the lesson's class or group on its date (or on ``on``)."""
    return students_on(class_unit_id=lesson.class_unit_id, study_group_id=lesson.study_group_id, on=on or lesson.date)


def require_member(lesson: Lesson, student: Student) -> None:
    if student.school_id != lesson.school_id or not lesson_students(lesson).filter(pk=student.pk).exists():
        raise ValidationError(
            _("This student was not in the class or group on %(date)s.") % {"date": f"{lesson.date:%d.%m.%Y}"},
            code="not_member",
        )


def grade_level_of(lesson: Lesson, student: Student | None = None) -> int | None:
    """The lesson's grade level: its class's, its subgroup's class's, or (a stream across classes) the
    student's class on the lesson's date."""
    if lesson.class_unit_id:
        return lesson.class_unit.grade_level
    group = lesson.study_group
    if group.class_unit_id:
        return group.class_unit.grade_level
    if student is None:
        return None
    membership = (
        ClassMembership.objects.current(lesson.date).filter(student=student).select_related("class_unit").first()
    )
    return membership.class_unit.grade_level if membership else None


def history(*, lesson: Lesson, student: Student | None, kind: str, old: str, new: str, by) -> JournalChange:
    """The append-only row that keeps a change: who, when, what, old → new."""
    return JournalChange.objects.create(
        school_id=lesson.school_id,
        lesson=lesson,
        student=student,
        kind=kind,
        old_value=Truncator(old).chars(HISTORY_LENGTH),
        new_value=Truncator(new).chars(HISTORY_LENGTH),
        changed_by=by,
    )


# --- The lesson's topic -------------------------------------------------------------------------


def _topic_text(topic: str, kind: str) -> str:
    """The topic and the lesson type as the history keeps them (in the school's language, whoever writes)."""
    if not topic and not kind:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Lesson.Kind(kind).label) if kind else ""
    return f"{topic} ({label})" if label else topic


@transaction.atomic
def lesson_topic_set(*, lesson: Lesson, topic: str, kind: str = "", by) -> Lesson:
    """Set the lesson's topic and type. ``topic_entered_at`` records when a topic was first entered
    (the timeliness report compares it with the lesson's day); clearing the topic clears it."""
    require_editable(by, lesson)
    topic = (topic or "").strip()
    kind = kind or ""
    max_length = Lesson._meta.get_field("topic").max_length
    if len(topic) > max_length:
        raise ValidationError(
            _("The topic is too long: at most %(limit)d characters.") % {"limit": max_length}, code="too_long"
        )
    if kind not in Lesson.Kind.values and kind != "":
        raise ValidationError(_("Choose a lesson type from the list."), code="bad_kind")
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    old = _topic_text(lesson.topic, lesson.kind)
    new = _topic_text(topic, kind)
    if old == new:
        return lesson
    if topic and not lesson.topic:
        lesson.topic_entered_at = timezone.now()
    elif not topic:
        lesson.topic_entered_at = None
    lesson.topic, lesson.kind = topic, kind
    lesson.save(update_fields=["topic", "kind", "topic_entered_at", "updated_at"])
    history(lesson=lesson, student=None, kind=JournalChange.Kind.TOPIC, old=old, new=new, by=by)
    return lesson


# --- One cell of the grid ----------------------------------------------------------------------


@transaction.atomic
def journal_cell_set(
    *, lesson: Lesson, student: Student, marks: list[int], code: str, work_type: WorkType | None, by
) -> None:
    """Make one cell hold these marks (at most two, in order) and this attendance code ("" for none),
    all or nothing. A mark whose value changes keeps its work type and weight; a new mark takes
    ``work_type`` (the school's default when None). Unchanged marks and codes write nothing."""
    from . import attendance as attendance_services
    from . import marks as mark_services

    require_editable(by, lesson)
    if len(marks) > 2:
        raise ValidationError(_("A cell holds at most two marks."), code="too_many")
    current = {mark.position: mark for mark in Mark.objects.filter(lesson=lesson, student=student)}
    # Remove from the end first, so that a remaining first mark never moves.
    for position in (2, 1):
        if position in current and len(marks) < position:
            mark_services.mark_remove(lesson=lesson, student=student, position=position, by=by)
    for position, value in enumerate(marks, start=1):
        existing = current.get(position)
        if existing is not None and existing.value == value:
            continue
        if existing is not None:
            weight = existing.weight if existing.weight != existing.work_type.weight else None
            mark_services.mark_record(
                lesson=lesson,
                student=student,
                value=value,
                work_type=existing.work_type,
                weight=weight,
                comment=existing.comment,
                position=position,
                by=by,
            )
        else:
            mark_services.mark_record(
                lesson=lesson,
                student=student,
                value=value,
                work_type=work_type or mark_services.default_work_type(lesson.school_id),
                position=position,
                by=by,
            )
    entry = Attendance.objects.filter(lesson=lesson, student=student).first()
    if (entry.code if entry else "") != code:
        attendance_services.attendance_set(lesson=lesson, student=student, code=code, by=by)


# --- Reporting periods ---------------------------------------------------------------------------


@transaction.atomic
def reporting_period_close(*, period: ReportingPeriod, by) -> ReportingPeriod:
    """Close a period: its lessons' marks, attendance, topics and homework become read-only
    (``access.lessons_editable_by``). Only an administrator of the school closes one."""
    if not access.can_manage_period(by, period):
        raise PermissionDenied(_("Only an administrator of the school closes a period."))
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise ValidationError(_("The period is already closed."), code="closed")
    period.closed_at = timezone.now()
    period.save(update_fields=["closed_at", "updated_at"])
    return period


@transaction.atomic
def reporting_period_reopen(*, period: ReportingPeriod, by) -> ReportingPeriod:
    """Reopen a closed period; only an administrator of the school does it."""
    if not access.can_manage_period(by, period):
        raise PermissionDenied(_("Only an administrator of the school reopens a period."))
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValidationError(_("The period is open."), code="open")
    period.closed_at = None
    period.save(update_fields=["closed_at", "updated_at"])
    return period
