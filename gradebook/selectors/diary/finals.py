"""The diary's finals: the student's finals of a school year as the family may see them.

Only what the 24-hour rule has published (``FinalMark.objects.published``): a final confirmed by the
teacher at once, any other 24 hours after it was recorded; never before. An open deferral shows in its
period's place with its due date. Two queries whatever the number of subjects and finals.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from ...models import Deferral, FinalMark, ReportingPeriod, SchoolYear, Student, Subject


@dataclass(frozen=True)
class FinalCell:
    """A published final (``value``, or ``points`` for an exam in points), an open deferral's due date, or
    nothing."""

    value: str = ""
    points: int | None = None
    deferred_until: datetime.date | None = None

    @classmethod
    def of(cls, final: FinalMark | None) -> FinalCell:
        return cls(value=final.value, points=final.points) if final else cls()


@dataclass(frozen=True)
class Exam:
    code: str
    label: str


@dataclass
class FinalsRow:
    subject: Subject
    periods: list[FinalCell]
    year: FinalCell
    exams: list[FinalCell] = field(default_factory=list)
    final: FinalCell = field(default_factory=FinalCell)


@dataclass(frozen=True)
class FinalsTable:
    periods: list[ReportingPeriod]
    exams: list[Exam]
    rows: list[FinalsRow]


def finals_for_year(
    student: Student, school_year: SchoolYear, periods: list[ReportingPeriod], now: datetime.datetime
) -> FinalsTable:
    """Per subject with a published final or an open deferral: the finals of ``periods`` (the grade
    level's, the year excluded: its final is the year column), the year, each exam taken and the final
    mark."""
    periods = [period for period in periods if period.kind != ReportingPeriod.Kind.YEAR]
    finals = list(
        FinalMark.objects.published(now)
        .filter(student=student, school_year=school_year)
        .select_related("subject")
        .order_by("subject__name", "subject_id")
    )
    deferrals = list(
        Deferral.objects.filter(
            student=student, period__in=[period.pk for period in periods], resolved_at__isnull=True
        ).select_related("subject")
    )
    subjects = {final.subject_id: final.subject for final in finals}
    subjects.update((deferral.subject_id, deferral.subject) for deferral in deferrals)
    by_key = {(final.subject_id, final.kind, final.period_id, final.exam): final for final in finals}
    deferred = {(deferral.subject_id, deferral.period_id): deferral.due_on for deferral in deferrals}
    exams = [
        Exam(code, label)
        for code, label in FinalMark.Exam.choices
        if any(final.kind == FinalMark.Kind.EXAM and final.exam == code for final in finals)
    ]
    rows = []
    for subject in sorted(subjects.values(), key=lambda s: (s.name.casefold(), s.pk)):
        cells = []
        for period in periods:
            due_on = deferred.get((subject.pk, period.pk))
            final = by_key.get((subject.pk, FinalMark.Kind.PERIOD, period.pk, ""))
            cells.append(FinalCell(deferred_until=due_on) if due_on else FinalCell.of(final))
        rows.append(
            FinalsRow(
                subject=subject,
                periods=cells,
                year=FinalCell.of(by_key.get((subject.pk, FinalMark.Kind.YEAR, None, ""))),
                exams=[FinalCell.of(by_key.get((subject.pk, FinalMark.Kind.EXAM, None, e.code))) for e in exams],
                final=FinalCell.of(by_key.get((subject.pk, FinalMark.Kind.FINAL, None, ""))),
            )
        )
    return FinalsTable(periods=periods, exams=exams, rows=rows)
