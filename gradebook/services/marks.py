"""Marks: record one in a cell of the journal, change it, remove it (DOMAIN.md, "Marks")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import JournalChange, Lesson, Mark, ReportingPeriod, Student, WorkType
from ..models.journal import MARK_VALUES
from .attendance import lesson_school_year_id
from .forecast import forecast_get
from .journal import grade_level_of, history, require_editable, require_member

DEFAULT_WORK_TYPE = "Ответ на уроке"
MAX_WEIGHT = Decimal("10")


def default_work_type(school_id: int) -> WorkType:
    """The work type of a new mark when the teacher chose none: «Ответ на уроке», or the school's first."""
    work_types = WorkType.objects.filter(school_id=school_id)
    work_type = work_types.filter(name=DEFAULT_WORK_TYPE).first() or work_types.order_by("name").first()
    if work_type is None:
        raise ValidationError(
            _("The school has no work types yet: the administrator adds them first."), code="no_work_type"
        )
    return work_type


def _mark_text(mark: Mark) -> str:
    """5 (Контрольная работа, ×2): the value, its work type, and the weight when it differs."""
    details = [mark.work_type.name]
    if mark.weight != mark.work_type.weight:
        details.append(f"×{mark.weight.normalize()}")
    if mark.comment:
        details.append(f"«{mark.comment}»")
    return f"{mark.value} ({', '.join(details)})"


def cell_history_text(lesson: Lesson, student: Student) -> str:
    """A cell's marks as the history keeps them: «5 (Ответ на уроке) / 4 (Тест)»."""
    marks = Mark.objects.filter(lesson=lesson, student=student).select_related("work_type").order_by("position")
    return " / ".join(_mark_text(mark) for mark in marks)


def _clean_value(value) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number not in MARK_VALUES:
        raise ValidationError(
            _("%(value)s is not a mark: a mark is 1, 2, 3, 4 or 5.") % {"value": value}, code="off_scale"
        )
    return number


def _clean_weight(weight, work_type: WorkType) -> Decimal:
    if weight is None or weight == "":
        return work_type.weight
    try:
        weight = Decimal(str(weight))
    except InvalidOperation:
        weight = Decimal(0)
    if not (Decimal(0) < weight <= MAX_WEIGHT) or weight.as_tuple().exponent < -2:
        raise ValidationError(_("A weight is above 0 and at most 10, with two decimals."), code="bad_weight")
    return weight


def _require_marks_allowed(lesson: Lesson, student: Student) -> None:
    if grade_level_of(lesson, student) == 1:
        raise ValidationError(_("Grade 1 learns without marks: record attendance and homework only."), code="grade_1")


@transaction.atomic
def mark_record(
    *,
    lesson: Lesson,
    student: Student,
    value,
    work_type: WorkType,
    by,
    position: int = 1,
    comment: str = "",
    weight=None,
) -> Mark:
    """Record a mark of the scale (1–5) in the cell of ``student`` on ``lesson``, or change the one at
    ``position`` (1 or 2: a cell holds two marks, the second after the first). The weight is the work
    type's unless given. School, subject and date come from the lesson."""
    require_editable(by, lesson)
    value = _clean_value(value)
    if position not in (1, 2):
        raise ValidationError(_("A cell holds at most two marks."), code="too_many")
    if work_type.school_id != lesson.school_id:
        raise ValidationError(_("Choose a work type of the school."), code="bad_work_type")
    weight = _clean_weight(weight, work_type)
    comment = (comment or "").strip()
    if len(comment) > Mark._meta.get_field("comment").max_length:
        raise ValidationError(_("The comment is too long."), code="too_long")
    _require_marks_allowed(lesson, student)
    require_member(lesson, student)

    cell = {mark.position: mark for mark in Mark.objects.select_for_update().filter(lesson=lesson, student=student)}
    if position == 2 and 1 not in cell:
        raise ValidationError(_("Enter the first mark of the cell before the second."), code="second_first")
    existing = cell.get(position)
    if existing is not None and (existing.value, existing.work_type_id, existing.weight, existing.comment) == (
        value,
        work_type.pk,
        weight,
        comment,
    ):
        return existing  # nothing changes: no history, no event
    old = cell_history_text(lesson, student)
    previous = str(existing.value) if existing else ""
    mark = existing or Mark(
        school_id=lesson.school_id,
        lesson=lesson,
        student=student,
        subject_id=lesson.subject_id,
        date=lesson.date,
        position=position,
    )
    mark.value, mark.work_type, mark.weight, mark.comment, mark.recorded_by = value, work_type, weight, comment, by
    mark.save()
    history(
        lesson=lesson,
        student=student,
        kind=JournalChange.Kind.MARK,
        old=old,
        new=cell_history_text(lesson, student),
        by=by,
    )
    signals.mark_recorded.send(sender=Mark, mark=mark, previous=previous, by=by)
    _announce_forecast_risk(lesson=lesson, student=student)
    return mark


def _announce_forecast_risk(*, lesson: Lesson, student: Student) -> None:
    """Send ``forecast_at_risk`` when, with the new mark, the student's forecast for the lesson's subject in
    the reporting period of its date is at risk. Nothing is computed when no app listens (five queries
    otherwise: the period, the rules, the marks, the lessons held, the school's date)."""
    if not signals.forecast_at_risk.has_listeners(Mark):
        return
    grade = grade_level_of(lesson, student)
    periods = ReportingPeriod.objects.filter(
        school_year_id=lesson_school_year_id(lesson), starts_on__lte=lesson.date, ends_on__gte=lesson.date
    )
    if grade is not None:
        periods = periods.filter(min_grade__lte=grade, max_grade__gte=grade)
    # A quarter, trimester or half-year rather than the year: the period whose final comes first.
    period = min(periods, key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.ends_on - p.starts_on), default=None)
    if period is None:
        return
    today = timezone.localdate(timezone=lesson.school.zone)
    forecast = forecast_get(student=student, subject=lesson.subject, period=period, today=today)
    if forecast.at_risk:
        signals.forecast_at_risk.send(
            sender=Mark, student=student, subject=lesson.subject, period=period, forecast=forecast
        )


@transaction.atomic
def mark_remove(*, lesson: Lesson, student: Student, by, position: int = 1) -> None:
    """Remove the mark at ``position`` of the cell; a second mark left behind becomes the first."""
    require_editable(by, lesson)
    cell = {mark.position: mark for mark in Mark.objects.select_for_update().filter(lesson=lesson, student=student)}
    mark = cell.get(position)
    if mark is None:
        raise ValidationError(_("There is no mark to remove."), code="no_mark")
    old = cell_history_text(lesson, student)
    value = str(mark.value)
    mark.delete()
    if position == 1 and 2 in cell:
        second = cell[2]
        second.position = 1
        second.save(update_fields=["position", "updated_at"])
    history(
        lesson=lesson,
        student=student,
        kind=JournalChange.Kind.MARK,
        old=old,
        new=cell_history_text(lesson, student),
        by=by,
    )
    signals.mark_removed.send(sender=Mark, lesson=lesson, student=student, value=value, by=by, position=max(cell))
