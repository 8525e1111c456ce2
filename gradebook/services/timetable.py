"""The bell schedule, the weekly timetable, and the dated lessons generated from it.

The administrator keeps the bell schedule (lesson numbers and times, per shift) and each class's
and group's weekly timetable; ``lessons_generate`` turns the timetable into dated lessons for a
reporting period. Regenerating never touches a lesson that already carries something a person
recorded (``lessons_with_records``): the journal is a legal document.

The calendar helpers below (holidays and closed periods for a grade level, lesson slots that
overlap in time) are shared with ``lesson_changes``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Coalesce
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..models import (
    BellPeriod,
    ClassMembership,
    ClassUnit,
    Employee,
    Holiday,
    Lesson,
    LessonChange,
    ReportingPeriod,
    SchoolYear,
    StudyGroup,
    Subject,
    TimetableEntry,
)

logger = logging.getLogger(__name__)

SHIFTS = (1, 2, 3)
LESSON_NUMBERS = range(0, 13)  # the bell schedule's range: a "zero" lesson before the first
WEEKDAY_NUMBERS = range(1, 7)  # Monday to Saturday: nobody learns on Sunday
SUNDAY = 7
ROOM_MAX_LENGTH = 30


def weekday_name(weekday: int) -> str:
    """Monday for 1 … Saturday for 6 (Django's own translated names)."""
    return str(WEEKDAYS[weekday - 1])


# --- The calendar of a class or group -------------------------------------------------------


def school_year_of(*, class_unit: ClassUnit | None = None, study_group: StudyGroup | None = None) -> SchoolYear:
    return (class_unit or study_group).school_year


def grade_of(*, class_unit: ClassUnit | None = None, study_group: StudyGroup | None = None) -> int | None:
    """The grade level of a class, of a subgroup's class, or of a stream's members (None when unknown)."""
    if class_unit is not None:
        return class_unit.grade_level
    if study_group.class_unit_id:
        return study_group.class_unit.grade_level
    return (
        ClassMembership.objects.filter(
            class_unit__school_year_id=study_group.school_year_id, student__group_memberships__group=study_group
        )
        .order_by("class_unit__grade_level")
        .values_list("class_unit__grade_level", flat=True)
        .first()
    )


def shift_of(*, class_unit: ClassUnit | None = None, study_group: StudyGroup | None = None) -> int:
    """The shift a class learns in; a subgroup follows its class, a stream the first shift."""
    unit = class_unit if class_unit is not None else study_group.class_unit
    return unit.shift if unit is not None else 1


def holiday_applies(holiday: Holiday, grade: int | None) -> bool:
    """A holiday of some grade levels only (grade 1's February week) applies to those; for a group of
    unknown grade only a holiday of every grade applies."""
    if grade is None:
        return holiday.min_grade <= 1 and holiday.max_grade >= 11
    return holiday.min_grade <= grade <= holiday.max_grade


def holiday_on(*, school_year: SchoolYear, grade: int | None, day: datetime.date) -> Holiday | None:
    holidays = Holiday.objects.filter(school_year=school_year, starts_on__lte=day, ends_on__gte=day)
    return next((holiday for holiday in holidays if holiday_applies(holiday, grade)), None)


def closed_period_on(*, school_year: SchoolYear, grade: int | None, day: datetime.date) -> ReportingPeriod | None:
    """A closed reporting period of the grade level that contains the day (of any grade level when
    the grade is unknown): its lessons are locked."""
    periods = ReportingPeriod.objects.filter(
        school_year=school_year, closed_at__isnull=False, starts_on__lte=day, ends_on__gte=day
    )
    if grade is not None:
        periods = periods.filter(min_grade__lte=grade, max_grade__gte=grade)
    return periods.first()


def bell_spans(school_year: SchoolYear) -> dict[tuple[int, int], tuple[datetime.time, datetime.time]]:
    """(shift, lesson number) → (starts at, ends at) for the year's bell schedule."""
    return {
        (period.shift, period.number): (period.starts_at, period.ends_at)
        for period in BellPeriod.objects.filter(school_year=school_year)
    }


def slots_overlap(spans: dict, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two (shift, lesson number) slots of one day meet: the same slot, or slots of two shifts
    whose bell times overlap (lesson 1 of the second shift is not lesson 1 of the first)."""
    if first == second:
        return True
    if first[0] == second[0]:
        return False
    a, b = spans.get(first), spans.get(second)
    return bool(a and b and a[0] < b[1] and b[0] < a[1])


def lessons_with_records() -> Q:
    """Lessons that carry anything a person recorded: a topic or lesson type, a change (substitution,
    move, cancellation, extra), or any row that points at the lesson (marks, attendance, homework,
    control works, history, …: every reverse relation, so a later table is covered too).
    Regeneration and the removal of a timetable entry keep these lessons."""
    condition = (
        ~Q(topic="")
        | ~Q(kind="")
        | Q(topic_entered_at__isnull=False)
        | Q(attendance_taken_at__isnull=False)
        | Q(substitute__isnull=False)
        | Q(is_cancelled=True)
        | Q(is_moved=True)
        | Q(is_extra=True)
    )
    for relation in Lesson._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            rows = relation.related_model._base_manager.filter(**{relation.field.name: OuterRef("pk")})
            condition |= Exists(rows)
    return condition


def lock_school_year(school_year: SchoolYear) -> None:
    """Serialise the writes on one school year's timetable and lessons, so that two administrators
    cannot both take the same slot."""
    list(SchoolYear.objects.select_for_update().filter(pk=school_year.pk).values_list("pk", flat=True))


# --- The bell schedule -------------------------------------------------------------------------


@transaction.atomic
def bell_period_set(
    *,
    school_year: SchoolYear,
    shift: int,
    periods: Iterable[tuple[int, datetime.time, datetime.time]],
    by,
) -> list[BellPeriod]:
    """Set the bell schedule of one shift of the year: (lesson number, starts at, ends at) for each
    lesson; numbers not given are removed. Lessons follow one another without overlapping."""
    if shift not in SHIFTS:
        raise ValidationError({"shift": _("The shift is 1, 2 or 3.")})
    rows = sorted(periods, key=lambda row: row[0])
    errors: list[ValidationError] = []
    numbers = [number for number, _starts, _ends in rows]
    if len(set(numbers)) != len(numbers):
        errors.append(ValidationError(_("Each lesson number appears once.")))
    previous = None
    for number, starts_at, ends_at in rows:
        if number not in LESSON_NUMBERS:
            errors.append(ValidationError(_("Lesson numbers run from 0 to 12.")))
        elif ends_at <= starts_at:
            errors.append(ValidationError(_("Lesson %(number)s ends before it starts."), params={"number": number}))
        elif previous is not None and starts_at < previous[2]:
            errors.append(
                ValidationError(
                    _("Lesson %(number)s starts before lesson %(previous)s ends."),
                    params={"number": number, "previous": previous[0]},
                )
            )
        previous = (number, starts_at, ends_at)
    if errors:
        raise ValidationError(errors)
    lock_school_year(school_year)
    existing = {period.number: period for period in BellPeriod.objects.filter(school_year=school_year, shift=shift)}
    BellPeriod.objects.filter(school_year=school_year, shift=shift).exclude(number__in=numbers).delete()
    result = []
    for number, starts_at, ends_at in rows:
        period = existing.get(number) or BellPeriod(school_year=school_year, shift=shift, number=number)
        if period.pk is None or (period.starts_at, period.ends_at) != (starts_at, ends_at):
            period.starts_at, period.ends_at = starts_at, ends_at
            period.save()
        result.append(period)
    logger.info("bell schedule of year %s shift %s set by user %s", school_year.pk, shift, getattr(by, "pk", None))
    return result


# --- The weekly timetable ----------------------------------------------------------------------


def _parities_overlap(first: str, second: str) -> bool:
    every = TimetableEntry.Parity.EVERY
    return every in (first, second) or first == second


def _dates_overlap(first: TimetableEntry, second: TimetableEntry) -> bool:
    far = datetime.date.max
    return first.starts_on <= (second.ends_on or far) and second.starts_on <= (first.ends_on or far)


def _same_pupils(first: TimetableEntry, second: TimetableEntry) -> bool:
    """The same class or group, or a class and one of its subgroups: the same children at one time.
    (Two subgroups of a class learn side by side; a stream is checked only against itself.)"""
    if first.class_unit_id and second.class_unit_id:
        return first.class_unit_id == second.class_unit_id
    if first.study_group_id and second.study_group_id:
        return first.study_group_id == second.study_group_id
    entry_of_class, entry_of_group = (first, second) if first.class_unit_id else (second, first)
    return entry_of_group.study_group.class_unit_id == entry_of_class.class_unit_id


def _unit_name(entry_or_lesson) -> str:
    return str(entry_or_lesson.class_unit or entry_or_lesson.study_group)


def _entry_check(entry: TimetableEntry) -> None:
    """Refuse an entry that is malformed, or that puts its class or its teacher in two places at once."""
    if (entry.class_unit is None) == (entry.study_group is None):
        raise ValidationError(_("For a class or for a group, not both."))
    year = entry.school_year
    errors: dict[str, list] = {}

    def add(field, message, **params):
        errors.setdefault(field, []).append(ValidationError(message, params=params or None))

    if (entry.class_unit or entry.study_group).school_year_id != year.pk:
        add("class_unit" if entry.class_unit else "study_group", _("The class or group is of another school year."))
    if entry.weekday not in WEEKDAY_NUMBERS:
        add("weekday", _("Lessons run from Monday to Saturday."))
    if entry.number not in LESSON_NUMBERS:
        add("number", _("Lesson numbers run from 0 to 12."))
    if entry.subject.school_id != year.school_id:
        add("subject", _("The subject is of another school."))
    teacher = entry.teacher
    if teacher.school_id != year.school_id or not teacher.is_active or not teacher.is_teacher:
        add("teacher", _("Choose an active teacher of the school."))
    if len(entry.room or "") > ROOM_MAX_LENGTH:
        add("room", _("A room is at most %(max)s characters."), max=ROOM_MAX_LENGTH)
    if entry.parity not in TimetableEntry.Parity.values:
        add("parity", _("Choose every week, odd weeks or even weeks."))
    if not year.starts_on <= entry.starts_on <= year.ends_on:
        add("starts_on", _("The date is outside the school year."))
    if entry.ends_on is not None:
        if entry.ends_on < entry.starts_on:
            add("ends_on", _("The end date cannot be before the start date."))
        elif entry.ends_on > year.ends_on:
            add("ends_on", _("The date is outside the school year."))
    if errors:
        raise ValidationError(errors)

    others = (
        TimetableEntry.objects.filter(school_year=year, weekday=entry.weekday)
        .exclude(pk=entry.pk)
        .select_related("class_unit", "study_group__class_unit", "subject", "teacher")
    )
    spans = None
    own_slot = (shift_of(class_unit=entry.class_unit, study_group=entry.study_group), entry.number)
    for other in others:
        if not (_parities_overlap(entry.parity, other.parity) and _dates_overlap(entry, other)):
            continue
        params = {
            "weekday": weekday_name(entry.weekday),
            "number": other.number,
            "subject": other.subject,
            "unit": _unit_name(other),
            "teacher": other.teacher.short_name,
        }
        if other.number == entry.number and _same_pupils(entry, other):
            raise ValidationError(
                _("%(unit)s already has %(subject)s at this time (%(weekday)s, lesson %(number)s)."), params=params
            )
        if other.teacher_id == entry.teacher_id:
            spans = bell_spans(year) if spans is None else spans
            other_slot = (shift_of(class_unit=other.class_unit, study_group=other.study_group), other.number)
            if slots_overlap(spans, own_slot, other_slot):
                raise ValidationError(
                    {
                        "teacher": ValidationError(
                            _("%(teacher)s already teaches %(unit)s at this time (%(weekday)s, lesson %(number)s)."),
                            params=params,
                        )
                    }
                )


@transaction.atomic
def timetable_entry_create(
    *,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    weekday: int,
    number: int,
    subject: Subject,
    teacher: Employee,
    room: str = "",
    parity: str = TimetableEntry.Parity.EVERY,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    by,
) -> TimetableEntry:
    """Add a weekly slot for a class or a group. Valid from the start of the school year unless told.

    A teacher without a teaching assignment for the subject there is allowed (the assignment may come
    later); ``selectors.timetable`` flags such entries so that the page warns.
    """
    if (class_unit is None) == (study_group is None):
        raise ValidationError(_("For a class or for a group, not both."))
    year = school_year_of(class_unit=class_unit, study_group=study_group)
    entry = TimetableEntry(
        school_year=year,
        class_unit=class_unit,
        study_group=study_group,
        weekday=weekday,
        number=number,
        subject=subject,
        teacher=teacher,
        room=(room or "").strip(),
        parity=parity,
        starts_on=starts_on or year.starts_on,
        ends_on=ends_on,
    )
    lock_school_year(year)
    _entry_check(entry)
    entry.save()
    logger.info("timetable entry %s created by user %s", entry.pk, getattr(by, "pk", None))
    return entry


@transaction.atomic
def timetable_entry_update(
    *,
    entry: TimetableEntry,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    weekday: int,
    number: int,
    subject: Subject,
    teacher: Employee,
    room: str = "",
    parity: str = TimetableEntry.Parity.EVERY,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    by,
) -> TimetableEntry:
    """Change a weekly slot (its class or group stays unless another one of the same year is given).

    Lessons already generated keep what they were; ``lessons_generate`` then replaces those without
    records and adds the missing ones.
    """
    if class_unit is not None and study_group is not None:
        raise ValidationError(_("For a class or for a group, not both."))
    entry = TimetableEntry.objects.select_related("school_year", "class_unit", "study_group__class_unit").get(
        pk=entry.pk
    )
    if class_unit is not None or study_group is not None:
        if school_year_of(class_unit=class_unit, study_group=study_group).pk != entry.school_year_id:
            raise ValidationError(_("The class or group is of another school year."))
        entry.class_unit, entry.study_group = class_unit, study_group
    entry.weekday, entry.number, entry.subject, entry.teacher = weekday, number, subject, teacher
    entry.room = (room or "").strip()
    entry.parity = parity
    entry.starts_on = starts_on or entry.school_year.starts_on
    entry.ends_on = ends_on
    lock_school_year(entry.school_year)
    _entry_check(entry)
    entry.save()
    logger.info("timetable entry %s updated by user %s", entry.pk, getattr(by, "pk", None))
    return entry


@transaction.atomic
def timetable_entry_delete(*, entry: TimetableEntry, by) -> int:
    """Remove a weekly slot and its lessons that have no records; lessons with records stay in the
    journal, detached from the slot. Returns the number of lessons removed.

    To end a slot during the year, set its end date instead: that keeps its past lessons.
    """
    lock_school_year(entry.school_year)
    lessons = Lesson.objects.filter(school_id=entry.school_year.school_id, timetable_entry=entry)
    lessons.filter(lessons_with_records()).update(timetable_entry=None)
    lesson_ids = list(lessons.values_list("public_id", flat=True))
    try:
        _total, by_model = lessons.delete()
    except ProtectedError as error:  # a record arrived in between: nothing is removed
        raise ValidationError(_("A lesson of this slot got a record just now. Try again.")) from error
    removed = by_model.get(Lesson._meta.label, 0)
    entry_pk, entry_id, school_id = entry.pk, entry.public_id, entry.school_year.school_id
    entry.delete()
    if lesson_ids:
        signals.records_removed.send(sender=Lesson, public_ids=lesson_ids, school_id=school_id, by=by)
    signals.records_removed.send(sender=TimetableEntry, public_ids=[entry_id], school_id=school_id, by=by)
    logger.info("timetable entry %s deleted by user %s (%s lessons)", entry_pk, getattr(by, "pk", None), removed)
    return removed


# --- Dated lessons -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationResult:
    """What ``lessons_generate`` did: lessons created and removed; lessons with records kept although
    the timetable changed; lessons that already matched the timetable."""

    created: int = 0
    removed: int = 0
    kept: int = 0
    unchanged: int = 0


def _entry_dates(entry: TimetableEntry, first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    """The entry's dates within [first, last] and its validity, on its weekday and its weeks (odd or even
    by the ISO week number)."""
    first = max(first, entry.starts_on)
    last = min(last, entry.ends_on or last)
    day = first + datetime.timedelta(days=(entry.weekday - first.isoweekday()) % 7)
    while day <= last:
        odd = day.isocalendar().week % 2 == 1
        if entry.parity == TimetableEntry.Parity.EVERY or odd == (entry.parity == TimetableEntry.Parity.ODD):
            yield day
        day += datetime.timedelta(weeks=1)


def _lesson_fields(lesson: Lesson) -> tuple:
    return (
        lesson.class_unit_id,
        lesson.study_group_id,
        lesson.subject_id,
        lesson.teacher_id,
        lesson.number,
        lesson.room,
        lesson.date,
    )


@transaction.atomic
def lessons_generate(
    *,
    period: ReportingPeriod,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    by,
) -> GenerationResult:
    """Make the dated lessons of the period from the timetable: of one class (with its subgroups), of
    one group, or of every class and group of the period's grade levels.

    Each entry gives a lesson on its weekday in its weeks (odd/even by the ISO week number) within its
    validity, except on the holidays of the class's grade level. Running it again keeps every lesson
    with records (``lessons_with_records``), even one the timetable no longer has; removes the other
    lessons that no longer match; creates the missing ones. A moved lesson stands for its original
    date. Idempotent: a second run creates and removes nothing.
    """
    year = period.school_year
    if period.is_closed:
        raise ValidationError({"period": _("The period is closed: its lessons are locked.")})
    if class_unit is not None and study_group is not None:
        raise ValidationError(_("For a class or for a group, not both."))
    unit = class_unit or study_group
    if unit is not None:
        grade = grade_of(class_unit=class_unit, study_group=study_group)
        if unit.school_year_id != year.pk:
            raise ValidationError({"period": _("The period is of another school year.")})
        if grade is not None and not period.min_grade <= grade <= period.max_grade:
            raise ValidationError(
                {"period": ValidationError(_("The period is not one of grade %(grade)s."), params={"grade": grade})}
            )
    lock_school_year(year)

    entries = TimetableEntry.objects.filter(school_year=year).select_related("class_unit", "study_group__class_unit")
    if class_unit is not None:
        entries = entries.filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))
    elif study_group is not None:
        entries = entries.filter(study_group=study_group)
    holidays = list(
        Holiday.objects.filter(school_year=year, starts_on__lte=period.ends_on, ends_on__gte=period.starts_on)
    )
    days_off: dict[int | None, set[datetime.date]] = {}
    grades: dict[int, int | None] = {}  # a stream's grade, looked up once
    wanted: dict[tuple[int, datetime.date], Lesson] = {}
    in_scope: list[int] = []
    class_ids: set[int] = set()
    group_ids: set[int] = set()
    for entry in entries:
        if entry.class_unit_id or entry.study_group.class_unit_id:
            grade = grade_of(class_unit=entry.class_unit, study_group=entry.study_group)
        else:
            if entry.study_group_id not in grades:
                grades[entry.study_group_id] = grade_of(study_group=entry.study_group)
            grade = grades[entry.study_group_id]
        if grade is not None and not period.min_grade <= grade <= period.max_grade:
            continue  # another scheme of periods (half-years for 10–11) covers this class
        in_scope.append(entry.pk)
        if entry.class_unit_id:
            class_ids.add(entry.class_unit_id)
        else:
            group_ids.add(entry.study_group_id)
        if grade not in days_off:
            days_off[grade] = {
                holiday.starts_on + datetime.timedelta(days=offset)
                for holiday in holidays
                if holiday_applies(holiday, grade)
                for offset in range((holiday.ends_on - holiday.starts_on).days + 1)
            }
        for day in _entry_dates(entry, period.starts_on, period.ends_on):
            if day not in days_off[grade]:
                wanted[(entry.pk, day)] = Lesson(
                    school_id=year.school_id,
                    class_unit_id=entry.class_unit_id,
                    study_group_id=entry.study_group_id,
                    subject_id=entry.subject_id,
                    teacher_id=entry.teacher_id,
                    date=day,
                    number=entry.number,
                    room=entry.room,
                    timetable_entry_id=entry.pk,
                )

    first_date = LessonChange.objects.filter(lesson=OuterRef("pk")).order_by("created_at", "pk").values("old_date")[:1]
    existing = (
        Lesson.objects.filter(timetable_entry_id__in=in_scope)
        .filter(Q(class_unit_id__in=class_ids) | Q(study_group_id__in=group_ids))
        .filter(Q(date__range=(period.starts_on, period.ends_on)) | Q(is_moved=True))
        .annotate(
            original_date=Coalesce(Subquery(first_date), F("date")),
            has_records=Case(When(lessons_with_records(), then=Value(True)), default=Value(False)),
        )
        .order_by("-has_records", "pk")  # lessons with records claim their slot first
    )
    claimed: set[tuple[int, datetime.date]] = set()
    removed_ids: list[int] = []
    removed_public_ids: list = []
    kept = unchanged = 0
    for lesson in existing:
        if not period.starts_on <= lesson.original_date <= period.ends_on:
            continue  # moved here from another period: that period's business
        key = (lesson.timetable_entry_id, lesson.original_date)
        want = wanted.get(key)
        if want is not None and key not in claimed and _lesson_fields(lesson) == _lesson_fields(want):
            unchanged += 1
            claimed.add(key)
        elif lesson.has_records:
            kept += 1
            if want is not None:
                claimed.add(key)
        else:
            removed_ids.append(lesson.pk)
            removed_public_ids.append(lesson.public_id)
    removed = 0
    if removed_ids:
        try:
            _total, by_model = Lesson.objects.filter(pk__in=removed_ids).delete()
            removed = by_model.get(Lesson._meta.label, 0)
        except ProtectedError as error:  # a record arrived in between: nothing is written
            raise ValidationError(_("A lesson got a record while the lessons were being made. Try again.")) from error
        signals.records_removed.send(sender=Lesson, public_ids=removed_public_ids, school_id=year.school_id, by=by)
    missing = [lesson for key, lesson in wanted.items() if key not in claimed]
    Lesson.objects.bulk_create(missing, batch_size=1000)
    result = GenerationResult(created=len(missing), removed=removed, kept=kept, unchanged=unchanged)
    logger.info(
        "lessons generated for period %s (class %s, group %s) by user %s: %s",
        period.pk,
        getattr(class_unit, "pk", None),
        getattr(study_group, "pk", None),
        getattr(by, "pk", None),
        result,
    )
    return result
