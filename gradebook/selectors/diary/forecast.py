"""The diary's forecast: per subject of the period the final the student is heading for
(``services.forecast``), beside the subject's marks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ...models import ReportingPeriod, Student
from ...services.forecast import Forecast, forecasts_for
from .marks import SubjectMarks, marks_for_period


@dataclass(frozen=True)
class SubjectForecast:
    line: SubjectMarks
    forecast: Forecast


def forecasts_of_period(student: Student, period: ReportingPeriod, today: datetime.date) -> list[SubjectForecast]:
    """Every subject of the marks page (in its order) with its forecast from the marks the page reads: the
    marks page's queries and two more (the rules, the lessons held), whatever the numbers of subjects and
    marks."""
    lines = marks_for_period(student, period)
    marks = {
        (student.pk, line.subject.pk): [(mark.value, mark.weight, mark.date) for mark in line.marks] for line in lines
    }
    forecasts = forecasts_for(
        students=[student], subjects=[line.subject for line in lines], period=period, today=today, marks=marks
    )
    return [SubjectForecast(line=line, forecast=forecasts[student.pk, line.subject.pk]) for line in lines]


def risks_first(items: list[SubjectForecast]) -> list[SubjectForecast]:
    """The subjects at risk first, each group in the subjects' order."""
    return sorted(items, key=lambda item: not item.forecast.at_risk)
