"""The diary's other pages: the regular timetable, the period's control works, the holiday calendar
and the teachers' recommendations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ...models import BellPeriod, ControlWork, Holiday, Recommendation, ReportingPeriod, Student, TimetableEntry
from .enrolment import Enrolment, Standing, bell_times, enrolment_for, for_grade, periods_of

WEEKDAYS = range(1, 7)  # Monday (1) to Saturday (6), as TimetableEntry counts them


@dataclass(frozen=True)
class Slot:
    entry: TimetableEntry
    bell: BellPeriod | None

    @property
    def alternates(self) -> bool:
        return self.entry.parity != TimetableEntry.Parity.EVERY


@dataclass(frozen=True)
class TimetableDay:
    weekday: int
    date: datetime.date  # that weekday in the current week, for its name
    slots: list[Slot]


def timetable_for(enrolment: Enrolment, standing: Standing, on: datetime.date) -> list[TimetableDay]:
    """The weekly timetable in force on ``on``: the slots of the student's class and groups, with the
    bell times of the class's shift (two queries)."""
    if standing.school_year is None:
        return []
    entries = (
        TimetableEntry.objects.filter(enrolment.q(), school_year=standing.school_year, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("subject", "teacher")
        .order_by("weekday", "number", "subject__name", "pk")
    )
    bells = bell_times([standing.school_year.pk])
    monday = on - datetime.timedelta(days=on.weekday())
    days = {
        weekday: TimetableDay(weekday=weekday, date=monday + datetime.timedelta(days=weekday - 1), slots=[])
        for weekday in WEEKDAYS
    }
    for entry in entries:
        if not enrolment.takes(on, entry.class_unit_id, entry.study_group_id) or entry.weekday not in days:
            continue
        bell = bells.get((standing.school_year.pk, standing.shift, entry.number))
        days[entry.weekday].slots.append(Slot(entry=entry, bell=bell))
    return list(days.values())


def control_works_for(student: Student, period: ReportingPeriod) -> list[ControlWork]:
    """The control works of the student's classes and groups in the period, by date (three queries)."""
    enrolment = enrolment_for(student, period.starts_on, period.ends_on)
    works = (
        ControlWork.objects.filter(enrolment.q(), date__range=(period.starts_on, period.ends_on))
        .select_related("subject")
        .order_by("date", "number", "subject__name", "pk")
    )
    return [work for work in works if enrolment.takes(work.date, work.class_unit_id, work.study_group_id)]


@dataclass(frozen=True)
class Calendar:
    holidays: list[Holiday]
    periods: list[ReportingPeriod]


def calendar_for(standing: Standing) -> Calendar:
    """The year's holidays and reporting periods for the student's grade level (two queries)."""
    if standing.school_year is None:
        return Calendar(holidays=[], periods=[])
    holidays = for_grade(Holiday.objects.filter(school_year=standing.school_year), standing.grade_level)
    return Calendar(holidays=list(holidays.order_by("starts_on", "pk")), periods=periods_of(standing))


def recommendations_for(student: Student) -> QuerySet[Recommendation]:
    """The teachers' recommendations to the student and family, newest first."""
    return (
        Recommendation.objects.filter(student=student)
        .select_related("teacher", "subject")
        .order_by("-created_at", "-pk")
    )
