"""Students' forecasts, each in their own reporting period and subjects: for a list of students from any
classes (the exchange's page of students). A constant number of queries for any number of students: four,
and three per reporting period among them (``forecasts_for``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from ..models import (
    ClassMembership,
    ReportingPeriod,
    Student,
    StudyGroupMembership,
    Subject,
    TeachingAssignment,
)
from ..services.forecast import Forecast, forecasts_for
from .control_works import period_for


@dataclass(frozen=True)
class ForecastLine:
    subject: Subject
    forecast: Forecast


@dataclass(frozen=True)
class StudentForecast:
    student: Student
    period: ReportingPeriod | None
    lines: list[ForecastLine]  # in the subjects' order


def student_forecasts(
    students: list[Student], *, today: datetime.date, period: ReportingPeriod | None = None
) -> list[StudentForecast]:
    """Each student's forecast in the subjects of their class and groups: for ``period`` when given (students of
    its school year and grade levels only), else for the period running today for their grade (a quarter,
    trimester or half-year before the year). Grade 1 (no marks) and students with no class have none."""
    day = max(period.starts_on, min(today, period.ends_on)) if period else today
    ids = [student.pk for student in students]
    classes = {
        membership.student_id: membership.class_unit
        for membership in ClassMembership.objects.current(day).filter(student_id__in=ids).select_related("class_unit")
    }
    groups = defaultdict(set)
    for student_id, group_id in (
        StudyGroupMembership.objects.current(day).filter(student_id__in=ids).values_list("student_id", "group_id")
    ):
        groups[student_id].add(group_id)
    years = sorted({class_unit.school_year_id for class_unit in classes.values()})
    if period is not None:
        periods = [period]
    else:
        periods = list(ReportingPeriod.objects.filter(school_year_id__in=years, starts_on__lte=day, ends_on__gte=day))
    subjects_of = defaultdict(set)  # (class id, None) or (None, group id) → subject ids
    subjects: dict[int, Subject] = {}
    owners = Q(class_unit_id__in=[c.pk for c in classes.values()]) | Q(
        study_group_id__in={g for found in groups.values() for g in found}
    )
    for assignment in TeachingAssignment.objects.current(day).filter(owners).select_related("subject"):
        subjects_of[assignment.class_unit_id, assignment.study_group_id].add(assignment.subject_id)
        subjects[assignment.subject_id] = assignment.subject
    chosen: dict[int, tuple[ReportingPeriod, list[tuple[Student, set[int]]]]] = {}
    for student in students:
        class_unit = classes.get(student.pk)
        if class_unit is None or not class_unit.has_marks:
            continue
        own_periods = [p for p in periods if p.school_year_id == class_unit.school_year_id]
        found = period_for(own_periods, class_unit.grade_level, day)
        if found is None:
            continue
        own = set(subjects_of[class_unit.pk, None])
        for group_id in groups[student.pk]:
            own |= subjects_of[None, group_id]
        chosen.setdefault(found.pk, (found, []))[1].append((student, own))
    results: dict[int, StudentForecast] = {}
    for found, members in chosen.values():
        wanted = sorted({s for _student, own in members for s in own}, key=lambda s: (subjects[s].name, s))
        forecasts = forecasts_for(
            students=[student for student, _own in members],
            subjects=[subjects[s] for s in wanted],
            period=found,
            today=today,
        )
        for student, own in members:
            lines = [ForecastLine(subjects[s], forecasts[student.pk, s]) for s in wanted if s in own]
            results[student.pk] = StudentForecast(student=student, period=found, lines=lines)
    return [results[student.pk] for student in students if student.pk in results]
