"""What the timetable pages show: the bell schedule, a class's weekly grid, the day's lessons and
their changes. Selectors take objects the access policy has let through and read them in a bounded
number of queries whatever the size of the school."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from ..models import (
    BellPeriod,
    ClassUnit,
    Lesson,
    LessonChange,
    School,
    SchoolYear,
    StudyGroup,
    TeachingAssignment,
    TimetableEntry,
)
from ..services.timetable import WEEKDAY_NUMBERS, weekday_name
from .staff import employee_names


def school_years_of(school: School) -> list[SchoolYear]:
    return list(SchoolYear.objects.filter(school=school).order_by("-starts_on"))


def school_year_on(years: list[SchoolYear], on: datetime.date) -> SchoolYear | None:
    """The year that contains the day; else the next one to start (a timetable is made in August);
    else the latest."""
    for year in years:
        if year.starts_on <= on <= year.ends_on:
            return year
    upcoming = [year for year in years if year.starts_on > on]
    if upcoming:
        return min(upcoming, key=lambda year: year.starts_on)
    return years[0] if years else None


def bell_schedule(school_year: SchoolYear | None) -> dict[int, list[BellPeriod]]:
    """Shift → its bell periods in order."""
    shifts: dict[int, list[BellPeriod]] = {}
    if school_year is not None:
        for period in BellPeriod.objects.filter(school_year=school_year).order_by("shift", "number"):
            shifts.setdefault(period.shift, []).append(period)
    return shifts


@dataclass(frozen=True)
class ClassTimetableLine:
    class_unit: ClassUnit
    lessons_a_week: int


def timetable_classes(school_year: SchoolYear) -> list[ClassTimetableLine]:
    """The year's classes with the number of weekly timetable entries of each (its subgroups' too)."""
    counts: Counter[int] = Counter()
    rows = TimetableEntry.objects.filter(school_year=school_year).values_list("class_unit", "study_group__class_unit")
    for class_id, group_class_id in rows:
        if class_id or group_class_id:
            counts[class_id or group_class_id] += 1
    classes = ClassUnit.objects.filter(school_year=school_year).order_by("grade_level", "letter")
    return [ClassTimetableLine(class_unit=unit, lessons_a_week=counts[unit.pk]) for unit in classes]


@dataclass(frozen=True)
class GridCell:
    weekday: int
    name: str
    entries: list[TimetableEntry]


@dataclass(frozen=True)
class GridRow:
    number: int
    bell: BellPeriod | None
    cells: list[GridCell]


@dataclass(frozen=True)
class TimetableGrid:
    weekdays: list[tuple[int, str]]
    rows: list[GridRow]
    entries: list[TimetableEntry]
    groups: list[StudyGroup]
    unassigned: list[TimetableEntry] = field(default_factory=list)


def class_entries(class_unit: ClassUnit):
    """The entries of a class and of its subgroups: the only ones its page may edit."""
    return TimetableEntry.objects.filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))


def mark_assignments(entries: list[TimetableEntry], class_unit: ClassUnit) -> None:
    """Set ``entry.has_assignment``: the teacher has a teaching assignment for the subject there that
    meets the entry's validity (one query)."""
    assignments = TeachingAssignment.objects.filter(
        Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit)
    ).values_list("teacher_id", "subject_id", "class_unit_id", "study_group_id", "starts_on", "ends_on")
    far = datetime.date.max
    by_key: dict[tuple, list[tuple]] = {}
    for teacher_id, subject_id, class_id, group_id, starts_on, ends_on in assignments:
        by_key.setdefault((teacher_id, subject_id, class_id, group_id), []).append((starts_on, ends_on or far))
    for entry in entries:
        spans = by_key.get((entry.teacher_id, entry.subject_id, entry.class_unit_id, entry.study_group_id), [])
        entry.has_assignment = any(
            starts_on <= (entry.ends_on or far) and entry.starts_on <= ends_on for starts_on, ends_on in spans
        )


def timetable_grid(class_unit: ClassUnit) -> TimetableGrid:
    """A class's week: rows of lesson numbers (with the bell times of its shift), columns Monday to
    Saturday, in each cell the entries of the class and of its subgroups (four queries)."""
    groups = list(StudyGroup.objects.filter(class_unit=class_unit).order_by("name"))
    entries = list(
        class_entries(class_unit)
        .select_related("subject", "teacher", "study_group")
        .order_by("weekday", "number", "study_group__name", "starts_on")
    )
    mark_assignments(entries, class_unit)
    bells = {
        period.number: period
        for period in BellPeriod.objects.filter(school_year_id=class_unit.school_year_id, shift=class_unit.shift)
    }
    numbers = sorted(set(bells) | {entry.number for entry in entries}) or list(range(1, 7))
    by_slot: dict[tuple[int, int], list[TimetableEntry]] = {}
    for entry in entries:
        by_slot.setdefault((entry.weekday, entry.number), []).append(entry)
    rows = [
        GridRow(
            number=number,
            bell=bells.get(number),
            cells=[
                GridCell(weekday=day, name=weekday_name(day), entries=by_slot.get((day, number), []))
                for day in WEEKDAY_NUMBERS
            ],
        )
        for number in numbers
    ]
    return TimetableGrid(
        weekdays=[(day, weekday_name(day)) for day in WEEKDAY_NUMBERS],
        rows=rows,
        entries=entries,
        groups=groups,
        unassigned=[entry for entry in entries if not entry.has_assignment],
    )


def _unit_key(lesson: Lesson) -> tuple:
    unit = lesson.class_unit or (lesson.study_group.class_unit if lesson.study_group else None)
    if unit is not None:
        return (unit.grade_level, unit.letter, lesson.study_group.name if lesson.study_group else "")
    return (99, "", lesson.study_group.name)


def _year_lessons(school: School, day: datetime.date):
    """The school's lessons by its classes and groups of the year containing the day (so that the
    (class, date) index serves)."""
    years = SchoolYear.objects.filter(school=school).containing(day)
    return Lesson.objects.filter(
        Q(class_unit__in=ClassUnit.objects.filter(school_year__in=years).values("pk"))
        | Q(study_group__in=StudyGroup.objects.filter(school_year__in=years).values("pk")),
        school=school,
    )


LESSON_RELATED = ("class_unit", "study_group__class_unit", "subject", "teacher", "substitute")


def day_lessons(school: School, day: datetime.date, class_unit: ClassUnit | None = None) -> list[Lesson]:
    """The day's lessons of the school (or of one class and its subgroups), by class and number."""
    lessons = _year_lessons(school, day).filter(date=day)
    if class_unit is not None:
        lessons = lessons.filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))
    return sorted(lessons.select_related(*LESSON_RELATED), key=lambda lesson: (_unit_key(lesson), lesson.number))


def day_changes(school: School, day: datetime.date, class_unit: ClassUnit | None = None) -> list[LessonChange]:
    """The changes that concern the day: to its lessons, and of lessons moved away from it; each with
    its lesson, the former teacher, and ``recorded_by_name`` (the employee's name of who recorded it)."""
    changes = LessonChange.objects.filter(school=school).filter(Q(lesson__date=day) | Q(old_date=day))
    if class_unit is not None:
        changes = changes.filter(Q(lesson__class_unit=class_unit) | Q(lesson__study_group__class_unit=class_unit))
    changes = list(
        changes.select_related(*(f"lesson__{name}" for name in LESSON_RELATED), "old_teacher", "recorded_by").order_by(
            "lesson__number", "created_at", "pk"
        )
    )
    staff = employee_names(school=school, user_ids={change.recorded_by_id for change in changes})
    for change in changes:
        change.recorded_by_name = staff.get(change.recorded_by_id) or change.recorded_by.username
    return sorted(changes, key=lambda change: (_unit_key(change.lesson), change.lesson.number, change.created_at))
