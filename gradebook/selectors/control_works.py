"""What the control-work pages show, and the facts the federal recommendations are checked on.

``warning_facts`` loads, in a bounded number of queries whatever the number of works, what
``services.control_works.control_work_warnings`` needs: the stored works around, the first and last
lessons of the classes' days, the subjects' lessons a week and hours in the period.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from ..models import (
    ClassMembership,
    ClassUnit,
    ControlWork,
    CurriculumLine,
    Lesson,
    ReportingPeriod,
    SchoolYear,
    StudyGroup,
    Subject,
    TimetableEntry,
)
from ..services.control_works import (
    GRADE_LEVEL_WINDOW_DAYS,
    WarningFacts,
    WorkSlot,
    control_work_warnings,
    lesson_place,
)

WINDOW = datetime.timedelta(days=GRADE_LEVEL_WINDOW_DAYS - 1)


# --- Periods --------------------------------------------------------------------------------


def periods_of(school_year: SchoolYear) -> list[ReportingPeriod]:
    return list(ReportingPeriod.objects.filter(school_year=school_year).order_by("starts_on", "min_grade"))


def period_for(periods: list[ReportingPeriod], grade: int | None, day: datetime.date) -> ReportingPeriod | None:
    """The reporting period of a grade level holding a day: a quarter, trimester or half-year before the
    year; the shortest when several."""
    holding = [
        period
        for period in periods
        if period.starts_on <= day <= period.ends_on
        and (grade is None or period.min_grade <= grade <= period.max_grade)
    ]
    holding.sort(key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.ends_on - p.starts_on))
    return holding[0] if holding else None


def _share_of_year(period: ReportingPeriod, periods: list[ReportingPeriod], grade: int | None) -> Decimal:
    """The period's share of the school year: its days over the days of its kind's periods for the grade."""
    if period.kind == ReportingPeriod.Kind.YEAR:
        return Decimal(1)
    siblings = [
        other
        for other in periods
        if other.kind == period.kind and (grade is None or other.min_grade <= grade <= other.max_grade)
    ]
    total = sum(((other.ends_on - other.starts_on).days + 1 for other in siblings), 0)
    return Decimal((period.ends_on - period.starts_on).days + 1) / Decimal(total) if total else Decimal(1)


# --- Works as the rules see them --------------------------------------------------------------


def _streams(group_ids, year_id) -> dict[int, tuple[frozenset[int], int | None]]:
    """For streams: the classes of their members and the lowest grade level among them (one query)."""
    if not group_ids:
        return {}
    rows = (
        ClassMembership.objects.filter(
            class_unit__school_year=year_id, student__group_memberships__group__in=list(group_ids)
        )
        .values_list("student__group_memberships__group", "class_unit", "class_unit__grade_level")
        .distinct()
    )
    classes, grades = defaultdict(set), defaultdict(set)
    for group_id, class_id, grade in rows:
        classes[group_id].add(class_id)
        grades[group_id].add(grade)
    return {group_id: (frozenset(classes[group_id]), min(grades[group_id])) for group_id in classes}


def work_label(work: ControlWork) -> str:
    return f"{work.class_unit or work.study_group}, {work.subject}"


def _stored_works(year: SchoolYear, start: datetime.date, end: datetime.date) -> list[ControlWork]:
    return list(
        ControlWork.objects.filter(date__range=(start, end))
        .filter(Q(class_unit__school_year=year) | Q(study_group__school_year=year))
        .select_related("class_unit", "study_group__class_unit", "subject", "lesson")
        .order_by("date", "number", "pk")
    )


def _slots(works: list[ControlWork], year: SchoolYear, periods: list[ReportingPeriod]) -> dict[int, WorkSlot]:
    streams = _streams({w.study_group_id for w in works if w.study_group_id and not w.study_group.class_unit_id}, year)
    slots = {}
    for work in works:
        if work.class_unit_id:
            class_ids, grade = frozenset({work.class_unit_id}), work.class_unit.grade_level
        elif work.study_group.class_unit_id:
            class_ids, grade = frozenset({work.study_group.class_unit_id}), work.study_group.class_unit.grade_level
        else:
            class_ids, grade = streams.get(work.study_group_id, (frozenset(), None))
        period = period_for(periods, grade, work.date)
        slots[work.pk] = WorkSlot(
            id=work.pk,
            class_unit_id=work.class_unit_id,
            study_group_id=work.study_group_id,
            class_ids=class_ids,
            grade_level=grade,
            subject_id=work.subject_id,
            date=work.date,
            number=work.number if work.number is not None else (work.lesson.number if work.lesson else None),
            period_id=period.pk if period else None,
            label=work_label(work),
        )
    return slots


def planned_slot(
    *,
    class_unit: ClassUnit | None,
    study_group: StudyGroup | None,
    subject: Subject,
    date: datetime.date,
    number: int | None,
    periods: list[ReportingPeriod],
    control_work: ControlWork | None = None,
) -> WorkSlot:
    """The slot of a work being planned (or moved), for ``control_work_warnings``."""
    _lesson, number = lesson_place(
        class_unit=class_unit, study_group=study_group, subject=subject, date=date, number=number
    )
    if class_unit is not None:
        class_ids, grade = frozenset({class_unit.pk}), class_unit.grade_level
    elif study_group.class_unit_id:
        class_ids, grade = frozenset({study_group.class_unit_id}), study_group.class_unit.grade_level
    else:
        class_ids, grade = _streams({study_group.pk}, study_group.school_year_id).get(
            study_group.pk, (frozenset(), None)
        )
    period = period_for(periods, grade, date)
    return WorkSlot(
        id=control_work.pk if control_work else None,
        class_unit_id=class_unit.pk if class_unit else None,
        study_group_id=study_group.pk if study_group else None,
        class_ids=class_ids,
        grade_level=grade,
        subject_id=subject.pk,
        date=date,
        number=number,
        period_id=period.pk if period else None,
    )


# --- The facts ------------------------------------------------------------------------------


def _current(entry: dict, day: datetime.date) -> bool:
    return entry["starts_on"] <= day and (entry["ends_on"] is None or entry["ends_on"] >= day)


def _entry_unit(entry: dict) -> tuple[str, int]:
    return ("class", entry["class_unit"]) if entry["class_unit"] else ("group", entry["study_group"])


def _day_class(entry: dict) -> int | None:
    return entry["class_unit"] or entry["study_group__class_unit"]


def _lessons_of(units: set[tuple[str, int]]) -> Q:
    classes = [unit_id for kind, unit_id in units if kind == "class"]
    groups = [unit_id for kind, unit_id in units if kind == "group"]
    return Q(class_unit__in=classes) | Q(study_group__in=groups)


def _unit_of(row: dict) -> tuple[str, int]:
    return ("class", row["class_unit"]) if row["class_unit"] else ("group", row["study_group"])


def warning_facts(
    year: SchoolYear,
    checked: list[WorkSlot],
    periods: list[ReportingPeriod],
    stored: list[WorkSlot] | None = None,
) -> WarningFacts:
    """What the rules need to check ``checked`` (slots with their period set). ``stored``: the stored works
    from ``period start − 16 days`` to ``period end + 16 days`` when the caller has them already.
    About eight queries whatever the number of works."""
    facts = WarningFacts()
    if not checked:
        return facts
    by_id = {period.pk: period for period in periods}
    start = min(slot.date for slot in checked) - WINDOW
    end = max(slot.date for slot in checked) + WINDOW
    for slot in checked:
        if slot.period_id in by_id:
            start = min(start, by_id[slot.period_id].starts_on)
            end = max(end, by_id[slot.period_id].ends_on)
    if stored is None:
        stored = list(_slots(_stored_works(year, start, end), year, periods).values())
    facts.works = stored

    class_ids = set().union(*(slot.class_ids for slot in checked))
    units = {slot.unit for slot in checked}
    subjects = {slot.subject_id for slot in checked}
    dates = {slot.date for slot in checked}

    # The first and last lessons of each class's day: its lessons (its subgroups' too), else its timetable.
    day_rows = (
        Lesson.objects.filter(date__in=dates, is_cancelled=False)
        .filter(Q(class_unit__in=class_ids) | Q(study_group__class_unit__in=class_ids))
        .annotate(day_class=Coalesce("class_unit", "study_group__class_unit"))
        .values("day_class", "date")
        .annotate(first=Min("number"), last=Max("number"))
    )
    facts.day_lessons = {(row["day_class"], row["date"]): (row["first"], row["last"]) for row in day_rows}
    entries = list(
        TimetableEntry.objects.filter(school_year=year)
        .filter(Q(class_unit__in=class_ids) | Q(study_group__class_unit__in=class_ids) | _lessons_of(units))
        .values(
            "class_unit",
            "study_group",
            "study_group__class_unit",
            "subject",
            "weekday",
            "number",
            "parity",
            "starts_on",
            "ends_on",
        )
    )
    for slot in checked:
        for class_id in slot.class_ids:
            if (class_id, slot.date) in facts.day_lessons:
                continue
            numbers = [
                entry["number"]
                for entry in entries
                if _day_class(entry) == class_id
                and entry["weekday"] == slot.date.isoweekday()
                and _current(entry, slot.date)
            ]
            if numbers:
                facts.day_lessons[(class_id, slot.date)] = (min(numbers), max(numbers))

    # Lessons a week of each subject for each class or group: the timetable, else that week's lessons.
    without_timetable = []
    for slot in checked:
        key = (slot.unit, slot.subject_id)
        if key in facts.lessons_a_week:
            continue
        weekly = [
            Decimal(1) if entry["parity"] == TimetableEntry.Parity.EVERY else Decimal("0.5")
            for entry in entries
            if _entry_unit(entry) == slot.unit and entry["subject"] == slot.subject_id and _current(entry, slot.date)
        ]
        if weekly:
            facts.lessons_a_week[key] = sum(weekly)
        else:
            without_timetable.append(slot)
    if without_timetable:
        monday = min(slot.date for slot in without_timetable)
        monday -= datetime.timedelta(days=monday.weekday())
        last_day = max(slot.date for slot in without_timetable) + datetime.timedelta(days=6)
        week_rows = (
            Lesson.objects.filter(date__range=(monday, last_day), is_cancelled=False)
            .filter(_lessons_of({slot.unit for slot in without_timetable}))
            .filter(subject__in={slot.subject_id for slot in without_timetable})
            .values_list("class_unit", "study_group", "subject", "date")
        )
        weeks = defaultdict(int)
        for class_id, group_id, subject_id, day in week_rows:
            unit = ("class", class_id) if class_id else ("group", group_id)
            weeks[(unit, subject_id, day.isocalendar()[:2])] += 1
        for slot in without_timetable:
            count = weeks.get((slot.unit, slot.subject_id, slot.date.isocalendar()[:2]))
            if count:
                facts.lessons_a_week.setdefault((slot.unit, slot.subject_id), Decimal(count))

    # The subject's hours in the period: the curriculum, else the period's lessons.
    lines = list(
        CurriculumLine.objects.filter(school_year=year, subject__in=subjects).values(
            "subject", "grade_level", "class_unit", "period", "planned_hours"
        )
    )
    group_class = dict(
        StudyGroup.objects.filter(pk__in=[unit_id for kind, unit_id in units if kind == "group"]).values_list(
            "pk", "class_unit"
        )
    )
    by_period = defaultdict(list)
    for slot in checked:
        key = (slot.unit, slot.subject_id, slot.period_id)
        if slot.period_id is None or key in facts.period_hours:
            continue
        period = by_id[slot.period_id]
        class_id = slot.class_unit_id or group_class.get(slot.study_group_id)
        hours = _planned_hours(lines, slot, class_id, period, periods)
        if hours is not None:
            facts.period_hours[key] = hours
        else:
            by_period[period].append(slot)
    for period, slots in by_period.items():
        counts = (
            Lesson.objects.filter(date__range=(period.starts_on, period.ends_on), is_cancelled=False)
            .filter(_lessons_of({slot.unit for slot in slots}))
            .filter(subject__in={slot.subject_id for slot in slots})
            .values("class_unit", "study_group", "subject")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            facts.period_hours.setdefault((_unit_of(row), row["subject"], period.pk), Decimal(row["n"]))
    return facts


def _planned_hours(lines, slot: WorkSlot, class_id, period: ReportingPeriod, periods) -> Decimal | None:
    """The class's line before the grade level's; the period's line before the year's (prorated)."""
    own = [line for line in lines if line["subject"] == slot.subject_id]
    for period_id in (period.pk, None):
        for match in (
            lambda line: class_id is not None and line["class_unit"] == class_id,
            lambda line: slot.grade_level is not None and line["grade_level"] == slot.grade_level,
        ):
            found = [line for line in own if line["period"] == period_id and match(line)]
            if found:
                hours = Decimal(found[0]["planned_hours"])
                return hours if period_id else hours * _share_of_year(period, periods, slot.grade_level)
    return None


def planned_work_warnings(
    *,
    class_unit: ClassUnit | None,
    study_group: StudyGroup | None,
    subject: Subject,
    date: datetime.date,
    number: int | None,
    control_work: ControlWork | None = None,
) -> list[str]:
    """The warnings for a work the planner is about to plan (or move)."""
    year = (class_unit or study_group).school_year
    periods = periods_of(year)
    slot = planned_slot(
        class_unit=class_unit,
        study_group=study_group,
        subject=subject,
        date=date,
        number=number,
        periods=periods,
        control_work=control_work,
    )
    return control_work_warnings(slot, warning_facts(year, [slot], periods))


# --- The administrator's schedule ------------------------------------------------------------


@dataclass
class ScheduleRow:
    work: ControlWork
    warnings: list[str]


@dataclass
class ScheduleUnit:
    """A class (with its subgroups' works) or a stream, and its works in the period."""

    label: str
    rows: list[ScheduleRow] = field(default_factory=list)

    @property
    def warned(self) -> int:
        return sum(1 for row in self.rows if row.warnings)


@dataclass
class ScheduleGrade:
    grade: int
    units: list[ScheduleUnit]

    @property
    def count(self) -> int:
        return sum(len(unit.rows) for unit in self.units)

    @property
    def warned(self) -> int:
        return sum(unit.warned for unit in self.units)


@dataclass
class Schedule:
    period: ReportingPeriod
    grades: list[ScheduleGrade]

    @property
    def count(self) -> int:
        return sum(grade.count for grade in self.grades)

    @property
    def warned(self) -> int:
        return sum(grade.warned for grade in self.grades)


def control_work_schedule(period: ReportingPeriod, grade: int | None = None) -> Schedule:
    """The period's control works per grade level and class, each with the warnings it triggers.
    About twelve queries whatever the size of the school."""
    year = period.school_year
    low, high = period.min_grade, period.max_grade
    if grade is not None:
        low, high = max(low, grade), min(high, grade)
    classes = list(
        ClassUnit.objects.filter(school_year=year, grade_level__range=(low, high)).order_by("grade_level", "letter")
    )
    periods = periods_of(year)
    works = _stored_works(year, period.starts_on - WINDOW, period.ends_on + WINDOW)
    slots = _slots(works, year, periods)
    shown = [
        work
        for work in works
        if period.starts_on <= work.date <= period.ends_on
        and slots[work.pk].grade_level is not None
        and low <= slots[work.pk].grade_level <= high
    ]
    facts = warning_facts(year, [slots[work.pk] for work in shown], periods, stored=list(slots.values()))
    units: dict[tuple[str, int], ScheduleUnit] = {("class", c.pk): ScheduleUnit(label=str(c)) for c in classes}
    grade_of = {("class", c.pk): c.grade_level for c in classes}
    for work in shown:
        slot = slots[work.pk]
        class_id = work.class_unit_id or work.study_group.class_unit_id
        key = ("class", class_id) if class_id else ("group", work.study_group_id)
        if key not in units:
            units[key] = ScheduleUnit(label=str(work.study_group))
            grade_of[key] = slot.grade_level
        units[key].rows.append(ScheduleRow(work=work, warnings=control_work_warnings(slot, facts)))
    grades = defaultdict(list)
    for key, unit in units.items():
        grades[grade_of[key]].append(unit)
    return Schedule(
        period=period,
        grades=[ScheduleGrade(grade=level, units=grades[level]) for level in sorted(grades)],
    )


# --- The teacher's list ----------------------------------------------------------------------


def control_work_list(works: QuerySet[ControlWork], *, today: datetime.date, past: bool) -> QuerySet[ControlWork]:
    """Upcoming works from today on, soonest first; or past ones, latest first."""
    works = works.select_related("class_unit", "study_group", "subject", "lesson")
    if past:
        return works.filter(date__lt=today).order_by("-date", "-number", "-pk")
    return works.filter(date__gte=today).order_by("date", "number", "pk")
