"""The weekly extract (еженедельная выписка) of a paper family: what the diary shows for a week, on A4.

``render_extracts(students=…, week_start=…)`` renders one PDF for many students (a class's paper
families), each starting on a new page, and says on which pages each student's extract is. It reads the
data of all the students in a fixed number of queries whatever their number: the diary's bulk selectors
(``weeks_for``, ``marks_for_students``) and the forecast service (``forecasts_for``): averages and forecasts
come from the grading engine, never from here.

``week_start`` must be a Monday (the register keys weeks by their Monday): any other day is a
``ValueError`` rather than a silent correction that would file an extract under the wrong week.
The document is in Russian whatever the caller's language: it is the school's letter to a family.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone, translation

from gradebook.models import (
    ControlWork,
    FinalMark,
    Recommendation,
    ReportingPeriod,
    School,
    Student,
)
from gradebook.selectors.diary import pick_period
from gradebook.selectors.diary.enrolment import Standing
from gradebook.selectors.diary.marks import SubjectMarks, marks_for_students
from gradebook.selectors.diary.week import Week, enrolments_for, weeks_for
from gradebook.services.forecast import Forecast, forecasts_for

from .base import render_pdf

TEMPLATE = "printouts/extract_pdf.html"
UPCOMING_WEEKS = 2
LANGUAGE = "ru"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: dict[int, tuple[int, int]]  # student id → (first page 1-based, page count)


@dataclass(frozen=True)
class SubjectLine:
    line: SubjectMarks
    forecast: Forecast | None


@dataclass
class Extract:
    """One student's extract: everything the template shows."""

    student: Student
    school: School
    week: Week
    period: ReportingPeriod | None
    subjects: list[SubjectLine] = field(default_factory=list)
    upcoming: list[ControlWork] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    finals: list[FinalMark] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor_of(self.student.pk)

    @property
    def changes(self) -> list:
        """The week's changed lessons (substituted, moved, cancelled) and the places lessons left."""
        return [entry for day in self.week.days for entry in day.entries if entry.is_moved_away or entry.is_changed]


def anchor_of(student_id: int) -> str:
    return f"extract-{student_id}"


def _week_bounds(school: School, monday: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 in the school's time zone."""
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=school.zone)
    return start, start + datetime.timedelta(weeks=1)


def _periods(standings: dict[int, Standing]) -> dict[int, list[ReportingPeriod]]:
    """Each student's reporting periods (``periods_of``): one query for all their years."""
    year_ids = {standing.school_year.pk for standing in standings.values() if standing.school_year is not None}
    rows = list(ReportingPeriod.objects.filter(school_year_id__in=year_ids))
    result = {}
    for student_id, standing in standings.items():
        if standing.school_year is None:
            result[student_id] = []
            continue
        mine = [p for p in rows if p.school_year_id == standing.school_year.pk]
        grade = standing.grade_level
        if grade is not None:
            mine = [p for p in mine if p.min_grade <= grade <= p.max_grade]
        result[student_id] = sorted(mine, key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.starts_on, p.number))
    return result


def _subjects(students: list[Student], periods: dict[int, ReportingPeriod | None], today: datetime.date):
    """``student id -> [SubjectLine]``: the period's marks and forecasts, read per distinct period (a class
    has one): four queries for the marks and two for the forecasts, whatever the number of students."""
    by_period: dict[int, list[Student]] = defaultdict(list)
    period_of = {}
    for student in students:
        period = periods.get(student.pk)
        if period is not None:
            by_period[period.pk].append(student)
            period_of[period.pk] = period
    result: dict[int, list[SubjectLine]] = {student.pk: [] for student in students}
    for period_id, members in by_period.items():
        period = period_of[period_id]
        lines = marks_for_students(members, period)
        subjects = {line.subject.pk: line.subject for each in lines.values() for line in each}
        marks = {
            (student_id, line.subject.pk): [(mark.value, mark.weight, mark.date) for mark in line.marks]
            for student_id, each in lines.items()
            for line in each
        }
        forecasts = forecasts_for(
            students=members, subjects=list(subjects.values()), period=period, today=today, marks=marks
        )
        for student in members:
            result[student.pk] = [
                SubjectLine(line=line, forecast=forecasts.get((student.pk, line.subject.pk)))
                for line in lines[student.pk]
            ]
    return result


def _upcoming(students: list[Student], first: datetime.date, last: datetime.date) -> dict[int, list[ControlWork]]:
    """The control works of the students' classes and groups from ``first`` to ``last`` (three queries)."""
    enrolments = enrolments_for(students, first, last)
    class_ids = {m.class_unit_id for each in enrolments.values() for m in each.classes}
    group_ids = {m.group_id for each in enrolments.values() for m in each.groups}
    works = list(
        ControlWork.objects.filter(Q(class_unit_id__in=class_ids) | Q(study_group_id__in=group_ids))
        .filter(date__range=(first, last))
        .select_related("subject")
        .order_by("date", "number", "subject__name", "pk")
    )
    return {
        student.pk: [
            work for work in works if enrolments[student.pk].takes(work.date, work.class_unit_id, work.study_group_id)
        ]
        for student in students
    }


def _recommendations(students: list[Student], schools: dict[int, School], monday: datetime.date):
    """The teachers' recommendations written during the week (one query)."""
    condition = Q(pk__in=[])
    for school in schools.values():
        start, end = _week_bounds(school, monday)
        condition |= Q(school=school, created_at__gte=start, created_at__lt=end)
    result: dict[int, list[Recommendation]] = defaultdict(list)
    rows = (
        Recommendation.objects.filter(condition, student__in=[s.pk for s in students])
        .select_related("teacher", "subject")
        .order_by("created_at", "pk")
    )
    for recommendation in rows:
        result[recommendation.student_id].append(recommendation)
    return result


def _finals(students: list[Student], schools: dict[int, School], monday: datetime.date, now: datetime.datetime):
    """The finals that became visible to the family during the week (published by then, not before it),
    never one not yet visible at ``now`` (one query)."""
    result: dict[int, list[FinalMark]] = defaultdict(list)
    ids = [s.pk for s in students]
    for school in schools.values():
        start, end = _week_bounds(school, monday)
        if start > now:
            continue
        visible = FinalMark.objects.filter(school=school, student__in=ids).published(min(end, now))
        rows = (
            visible.exclude(
                pk__in=FinalMark.objects.filter(school=school, student__in=ids).published(start).values("pk")
            )
            .select_related("subject", "period")
            .order_by("subject__name", "kind", "pk")
        )
        for final in rows:
            result[final.student_id].append(final)
    return result


def extracts_for(*, students: list[Student], week_start: datetime.date) -> list[Extract]:
    """The data of the students' extracts for the week, in the students' order."""
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, not {week_start:%Y-%m-%d} (weekday {week_start.isoweekday()}).")
    students = list(students)
    if not students:
        raise ValueError("No students to render.")
    now = timezone.now()
    schools = School.objects.in_bulk({student.school_id for student in students})
    saturday = week_start + datetime.timedelta(days=5)
    # "today" for the diary's week and the forecast: the week's last day, or today if the week is running.
    today = min(saturday, timezone.localdate())
    weeks = weeks_for(students, week_start, today=today)
    standings = {
        student.pk: Standing(class_unit=weeks[student.pk].class_unit, school_year=_year_of(weeks[student.pk]))
        for student in students
    }
    periods = {
        student_id: pick_period(choices, None, saturday)[0] for student_id, choices in _periods(standings).items()
    }
    subjects = _subjects(students, periods, today)
    next_monday = week_start + datetime.timedelta(weeks=1)
    upcoming = _upcoming(students, next_monday, next_monday + datetime.timedelta(weeks=UPCOMING_WEEKS, days=-1))
    recommendations = _recommendations(students, schools, week_start)
    finals = _finals(students, schools, week_start, now)
    return [
        Extract(
            student=student,
            school=schools[student.school_id],
            week=weeks[student.pk],
            period=periods.get(student.pk),
            subjects=subjects.get(student.pk, []),
            upcoming=upcoming.get(student.pk, []),
            recommendations=recommendations.get(student.pk, []),
            finals=finals.get(student.pk, []),
        )
        for student in students
    ]


def _year_of(week: Week):
    return week.class_unit.school_year if week.class_unit is not None else None


def page_map(document, student_ids: list[int]) -> dict[int, tuple[int, int]]:
    """``student id -> (first page, page count)`` from the laid-out document: the page holding each
    student's anchor starts their extract; it runs until the next student's first page."""
    first: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            first.setdefault(anchor, number)
    starts = [first[anchor_of(student_id)] for student_id in student_ids]
    ends = [*starts[1:], len(document.pages) + 1]
    return {student_id: (start, end - start) for student_id, start, end in zip(student_ids, starts, ends, strict=True)}


def render_extracts(*, students: list[Student], week_start: datetime.date) -> Rendered:
    """One PDF with the week's extract of each student, each starting on a new page, in the given order.

    Raises ``ValueError`` when ``week_start`` is not a Monday or there are no students."""
    extracts = extracts_for(students=students, week_start=week_start)
    with translation.override(LANGUAGE):
        document = render_pdf(TEMPLATE, {"extracts": extracts, "printed_on": timezone.localdate()})
    pages = page_map(document, [extract.student.pk for extract in extracts])
    return Rendered(pdf=document.write_pdf(), pages=pages)
