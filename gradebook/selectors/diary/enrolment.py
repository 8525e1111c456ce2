"""Where a student studies over a span of dates: the ground every diary page stands on.

A student takes the lessons of their class and of their study groups (subgroups, streams, the
groups of an individual plan) on the days they belong to them. Memberships change (a transfer,
a new group), so a page reads the memberships that overlap its dates once and then asks, day by
day, whether a lesson, a control work or a timetable slot is the student's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from ...models import (
    BellPeriod,
    ClassMembership,
    ClassUnit,
    ReportingPeriod,
    SchoolYear,
    Student,
    StudyGroupMembership,
)


def _holds(membership, day: datetime.date) -> bool:
    return membership.starts_on <= day and (membership.ends_on is None or membership.ends_on >= day)


def _overlapping(queryset, first: datetime.date, last: datetime.date):
    return queryset.filter(starts_on__lte=last).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))


@dataclass(frozen=True)
class Enrolment:
    """The student's class and group memberships that overlap ``first``–``last``."""

    student: Student
    first: datetime.date
    last: datetime.date
    classes: tuple[ClassMembership, ...]
    groups: tuple[StudyGroupMembership, ...]

    @property
    def class_ids(self) -> set[int]:
        return {membership.class_unit_id for membership in self.classes}

    @property
    def group_ids(self) -> set[int]:
        return {membership.group_id for membership in self.groups}

    def q(self, prefix: str = "") -> Q:
        """Rows of the student's classes or groups (``class_unit``/``study_group`` columns): an empty
        condition matches nothing."""
        condition = Q(pk__in=[])
        if self.class_ids:
            condition |= Q(**{f"{prefix}class_unit_id__in": sorted(self.class_ids)})
        if self.group_ids:
            condition |= Q(**{f"{prefix}study_group_id__in": sorted(self.group_ids)})
        return condition

    def class_on(self, day: datetime.date) -> ClassUnit | None:
        for membership in self.classes:
            if _holds(membership, day):
                return membership.class_unit
        return None

    @property
    def main_class(self) -> ClassUnit | None:
        """The class on the span's last day, else the latest class of the span."""
        found = self.class_on(self.last)
        if found is None and self.classes:
            found = self.classes[-1].class_unit
        return found

    def takes(self, day: datetime.date, class_unit_id: int | None, study_group_id: int | None) -> bool:
        """Whether a row of that class or group on that day is the student's."""
        if class_unit_id is not None:
            return any(m.class_unit_id == class_unit_id and _holds(m, day) for m in self.classes)
        return any(m.group_id == study_group_id and _holds(m, day) for m in self.groups)


def enrolment_for(student: Student, first: datetime.date, last: datetime.date | None = None) -> Enrolment:
    """The memberships of the student overlapping the dates: two queries."""
    last = last or first
    classes = _overlapping(ClassMembership.objects.filter(student=student), first, last).select_related(
        "class_unit__school_year", "class_unit__class_teacher"
    )
    groups = _overlapping(StudyGroupMembership.objects.filter(student=student), first, last)
    return Enrolment(
        student=student,
        first=first,
        last=last,
        classes=tuple(classes.order_by("starts_on", "pk")),
        groups=tuple(groups.order_by("starts_on", "pk")),
    )


@dataclass(frozen=True)
class Standing:
    """The student's school year and grade level on a day (their class's), for the pages that show
    one year: periods, holidays, the timetable."""

    class_unit: ClassUnit | None
    school_year: SchoolYear | None

    @property
    def grade_level(self) -> int | None:
        return self.class_unit.grade_level if self.class_unit else None

    @property
    def shift(self) -> int:
        return self.class_unit.shift if self.class_unit else 1


def standing_of(enrolment: Enrolment, on: datetime.date) -> Standing:
    """From the enrolment's class; a student without a class falls back to the school's year on that
    day (one query), with no grade level."""
    class_unit = enrolment.class_on(on) or enrolment.main_class
    if class_unit is not None:
        return Standing(class_unit=class_unit, school_year=class_unit.school_year)
    year = SchoolYear.objects.filter(school_id=enrolment.student.school_id).containing(on).first()
    return Standing(class_unit=None, school_year=year)


def for_grade(queryset, grade_level: int | None):
    """Rows with ``min_grade``/``max_grade`` that apply to the grade level (all of them without one)."""
    if grade_level is None:
        return queryset
    return queryset.filter(min_grade__lte=grade_level, max_grade__gte=grade_level)


def periods_of(standing: Standing) -> list[ReportingPeriod]:
    """The reporting periods of the student's year and grade level, in order, the year last."""
    if standing.school_year is None:
        return []
    periods = for_grade(ReportingPeriod.objects.filter(school_year=standing.school_year), standing.grade_level)
    return sorted(periods, key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.starts_on, p.number))


def pick_period(periods: list[ReportingPeriod], public_id, today: datetime.date) -> tuple[ReportingPeriod | None, bool]:
    """The period asked for by its public id, else the one running today (a quarter before the year),
    else the last begun, else the first. Returns ``(period, found)``: ``found`` is False when an
    id was asked for and is not one of these periods."""
    if public_id:
        for period in periods:
            if str(period.public_id) == str(public_id):
                return period, True
        return None, False
    if not periods:
        return None, True
    running = [p for p in periods if p.starts_on <= today <= p.ends_on]
    if running:
        return running[0], True
    begun = [p for p in periods if p.starts_on <= today and p.kind != ReportingPeriod.Kind.YEAR]
    return (begun[-1] if begun else periods[0]), True


def bell_times(school_year_ids) -> dict[tuple[int, int, int], BellPeriod]:
    """The bell schedule of the years: ``(school_year_id, shift, number) -> BellPeriod`` (one query)."""
    return {
        (bell.school_year_id, bell.shift, bell.number): bell
        for bell in BellPeriod.objects.filter(school_year_id__in=list(school_year_ids))
    }
