"""The class teacher's view of a class's forecast: students × subjects for a reporting period, each cell
the final the student is heading for (``services.forecast``), with the number of students at risk per
subject. A constant number of queries whatever the numbers of students, subjects and marks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from ..models import ClassUnit, ReportingPeriod, Student, Subject, TeachingAssignment
from ..services.forecast import Forecast, PeriodProgress, forecasts_for
from .journal import pick_period


@dataclass(frozen=True)
class ForecastRow:
    student: Student
    cells: list[Forecast]

    @property
    def at_risk(self) -> int:
        return sum(cell.at_risk for cell in self.cells)


@dataclass(frozen=True)
class SubjectColumn:
    subject: Subject
    at_risk: int


@dataclass(frozen=True)
class ClassForecast:
    class_unit: ClassUnit
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    progress: PeriodProgress | None
    columns: list[SubjectColumn]
    rows: list[ForecastRow]

    @property
    def students_at_risk(self) -> int:
        return sum(1 for row in self.rows if row.at_risk)


def class_subjects(class_unit: ClassUnit, period: ReportingPeriod) -> list[Subject]:
    """The subjects taught to the class or its groups during the period (their teaching assignments)."""
    assignments = (
        TeachingAssignment.objects.filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))
        .filter(starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.starts_on))
    )
    return list(Subject.objects.filter(pk__in=assignments.values("subject")).order_by("name", "pk"))


def class_members(class_unit: ClassUnit, period: ReportingPeriod, today: datetime.date) -> list[Student]:
    """The class's students on today's date, or on the period's nearest day when today is outside it."""
    day = max(period.starts_on, min(today, period.ends_on))
    members = class_unit.memberships.current(day).values("student")
    return list(Student.objects.filter(pk__in=members).order_by("surname", "name", "patronymic", "pk"))


def class_forecast(*, class_unit: ClassUnit, period_public_id=None, today: datetime.date) -> ClassForecast:
    """The forecast of every student of the class in every subject for the chosen period (the running one
    by default). About six queries."""
    period, periods = pick_period(class_unit, period_public_id, today)
    if period is None or not class_unit.has_marks:
        return ClassForecast(class_unit, period, periods, None, [], [])
    subjects = class_subjects(class_unit, period)
    students = class_members(class_unit, period, today)
    forecasts = forecasts_for(students=students, subjects=subjects, period=period, today=today)
    rows = [
        ForecastRow(student=student, cells=[forecasts[student.pk, subject.pk] for subject in subjects])
        for student in students
    ]
    columns = [
        SubjectColumn(subject=subject, at_risk=sum(row.cells[index].at_risk for row in rows))
        for index, subject in enumerate(subjects)
    ]
    progress = PeriodProgress.of(period.starts_on, period.ends_on, today)
    return ClassForecast(class_unit, period, periods, progress, columns, rows)
