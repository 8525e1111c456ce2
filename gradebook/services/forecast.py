"""The forecast (DOMAIN.md, "Forecast"): for a student, a subject and a reporting period, the final the
student is heading for, the weighted average, how many marks count, how much of the period has passed,
the trend, what it takes to reach the next mark, and whether it is an alert.

Everything is computed by the grading engine (``services.grading``) with the school year's rules
(``services.finals.rules_for``): the projected final is the engine's ``proposal`` of the period's marks so
far, so at the period's end it is the proposal the teacher sees when setting the final.

Decisions:
- **Trend**: the marks that count, by date, are split in halves (with an odd number the middle mark is
  in neither); the weighted average of the later half against the earlier half's: a rise of at least
  ``TREND_THRESHOLD`` is "up", a fall of as much "down", anything between "steady". With fewer than
  ``TREND_MIN_MARKS`` marks there is no trend.
- **Share of the period passed**: calendar days, today included (0 before the first day, 1 from the last).
- **At risk**: the projection is 2 once a lesson of the subject has taken place in the period, or н/а once
  half of the period has passed (``NOT_ASSESSED_ALERT_SHARE``). Early in a period most subjects have fewer
  marks than the minimum: calling each of them an alert would be noise that families learn to ignore.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import access
from ..models import Lesson, Mark, ReportingPeriod, Student, Subject
from ..models.finals import NOT_ASSESSED
from .finals import rules_for
from .grading import MAX_MARKS_AHEAD, Reach, Rules, counted, proposal, shown, to_reach_next, weighted_average

TREND_THRESHOLD = Decimal("0.25")
TREND_MIN_MARKS = 4
UP, DOWN, STEADY = "up", "down", "steady"
NOT_ASSESSED_ALERT_SHARE = Decimal("0.5")

DatedMark = tuple[object, Decimal, datetime.date]


@dataclass(frozen=True)
class PeriodProgress:
    """How much of a span of dates has passed on a day, in calendar days (today included)."""

    days_passed: int
    days_total: int

    @classmethod
    def of(cls, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date) -> PeriodProgress:
        total = (ends_on - starts_on).days + 1
        return cls(days_passed=min(max((today - starts_on).days + 1, 0), total), days_total=total)

    @property
    def share(self) -> Decimal:
        """From 0 to 1."""
        return Decimal(self.days_passed) / Decimal(self.days_total)

    @property
    def percent(self) -> int:
        return self.days_passed * 100 // self.days_total


@dataclass(frozen=True)
class Forecast:
    projected: str
    average: Decimal | None
    marks: int
    progress: PeriodProgress
    trend: str | None
    reach: Reach | None
    needed: int
    held: bool

    @property
    def at_risk(self) -> bool:
        if not self.held:
            return False
        if self.projected == NOT_ASSESSED:
            return self.progress.share >= NOT_ASSESSED_ALERT_SHARE
        return self.projected == "2"

    @property
    def average_shown(self) -> str:
        return shown(self.average)

    @property
    def trend_arrow(self) -> str:
        return {UP: "↑", DOWN: "↓", STEADY: "→"}.get(self.trend, "")

    @property
    def trend_text(self) -> str:
        """The trend in words: the arrow's text alternative."""
        return {UP: _("rising"), DOWN: _("falling"), STEADY: _("steady")}.get(self.trend, "")

    @property
    def what_it_takes(self) -> str:
        """What it takes, in words: "one more 5 gives 4", "2 more marks are needed for a final", …"""
        if self.needed:
            return ngettext(
                "one more mark is needed for a final", "%(count)s more marks are needed for a final", self.needed
            ) % {"count": self.needed}
        if self.projected == "5":
            return _("already the top mark")
        if self.reach is None:
            return _("more than %(count)s more 5s are needed for the next mark") % {"count": MAX_MARKS_AHEAD}
        return ngettext(
            "one more %(value)s gives %(gives)s", "%(count)s more %(value)ss give %(gives)s", self.reach.count
        ) % {"count": self.reach.count, "value": self.reach.value, "gives": self.reach.gives}


def _trend(marks: list[DatedMark]) -> str | None:
    if len(marks) < TREND_MIN_MARKS:
        return None
    half = len(marks) // 2
    earlier = weighted_average((value, weight) for value, weight, _day in marks[:half])
    later = weighted_average((value, weight) for value, weight, _day in marks[len(marks) - half :])
    change = later - earlier
    if change >= TREND_THRESHOLD:
        return UP
    if change <= -TREND_THRESHOLD:
        return DOWN
    return STEADY


def forecast_of(
    marks: Iterable[DatedMark],
    *,
    rules: Rules,
    starts_on: datetime.date,
    ends_on: datetime.date,
    today: datetime.date,
    held: bool,
) -> Forecast:
    """The forecast from a student's (value, weight, date) marks of the subject in the period. ``held``:
    whether a lesson of the subject has taken place in the period."""
    dated = sorted(
        ((value, Decimal(weight), day) for value, weight, day in marks if counted([(value, weight)])),
        key=lambda mark: mark[2],
    )
    pairs = [(value, weight) for value, weight, _day in dated]
    needed = max(rules.min_marks - len(pairs), 0)
    return Forecast(
        projected=proposal(pairs, rules),
        average=weighted_average(pairs),
        marks=len(pairs),
        progress=PeriodProgress.of(starts_on, ends_on, today),
        trend=_trend(dated),
        reach=None if needed else to_reach_next(pairs, rules),
        needed=needed,
        held=held,
    )


def _held_until(period: ReportingPeriod, today: datetime.date) -> datetime.date:
    return min(today, period.ends_on)


def forecast_get(*, student: Student, subject: Subject, period: ReportingPeriod, today: datetime.date) -> Forecast:
    """One student's forecast in a subject for a period (three queries)."""
    marks = (
        Mark.objects.filter(student=student, subject=subject, date__range=(period.starts_on, period.ends_on))
        .order_by("date", "position", "pk")
        .values_list("value", "weight", "date")
    )
    held = (
        access.lessons_of_student(student)
        .filter(subject=subject, is_cancelled=False, date__gte=period.starts_on, date__lte=_held_until(period, today))
        .exists()
    )
    return forecast_of(
        marks,
        rules=rules_for(period.school_year_id),
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        today=today,
        held=held,
    )


def _held_pairs(student_ids: list[int], subject_ids: list[int], period: ReportingPeriod, today: datetime.date):
    """(student id, subject id) of the lessons held in the period that the students took (their class's
    or group's on a day they belonged to it): one query."""
    until = _held_until(period, today)
    if until < period.starts_on:
        return set()
    held = Lesson.objects.filter(
        subject_id__in=subject_ids, is_cancelled=False, date__gte=period.starts_on, date__lte=until
    ).order_by()

    def taken_through(members: str):
        # One filter() call: every condition on the same membership row.
        return held.filter(
            Q(**{f"{members}__student_id__in": student_ids, f"{members}__starts_on__lte": F("date")})
            & (Q(**{f"{members}__ends_on__isnull": True}) | Q(**{f"{members}__ends_on__gte": F("date")}))
        ).values_list(f"{members}__student_id", "subject_id")

    return set(taken_through("class_unit__memberships").union(taken_through("study_group__memberships")))


def _marks_of(student_ids: list[int], subject_ids: list[int], period: ReportingPeriod):
    marks: dict[tuple[int, int], list[DatedMark]] = defaultdict(list)
    rows = (
        Mark.objects.filter(
            student_id__in=student_ids, subject_id__in=subject_ids, date__range=(period.starts_on, period.ends_on)
        )
        .order_by("date", "position", "pk")
        .values_list("student_id", "subject_id", "value", "weight", "date")
    )
    for student_id, subject_id, value, weight, day in rows:
        marks[student_id, subject_id].append((value, weight, day))
    return marks


def forecasts_for(
    *,
    students: Iterable[Student],
    subjects: Iterable[Subject],
    period: ReportingPeriod,
    today: datetime.date,
    marks: dict[tuple[int, int], list[DatedMark]] | None = None,
    held: set[tuple[int, int]] | None = None,
) -> dict[tuple[int, int], Forecast]:
    """The forecasts of students × subjects for a period, keyed ``(student id, subject id)``: three
    queries whatever their numbers (the rules, the marks, the lessons held).

    A page that has already read them passes them, a query fewer each: ``marks``, the period's
    (value, weight, date) marks by (student id, subject id) (the diary's marks page); ``held``, the
    (student id, subject id) pairs that had a lesson in the period (the journal's grid, from its columns)."""
    student_ids = [student.pk for student in students]
    subject_ids = [subject.pk for subject in subjects]
    if not student_ids or not subject_ids:
        return {}
    rules = rules_for(period.school_year_id)
    if marks is None:
        marks = _marks_of(student_ids, subject_ids, period)
    if held is None:
        held = _held_pairs(student_ids, subject_ids, period, today)
    return {
        (student_id, subject_id): forecast_of(
            marks.get((student_id, subject_id), []),
            rules=rules,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            today=today,
            held=(student_id, subject_id) in held,
        )
        for student_id in student_ids
        for subject_id in subject_ids
    }
