"""The summary sheet (сводная ведомость) of a class for its school year: students × subjects, and for
each subject its period finals, the year final, exam results and the final mark (DOMAIN.md, "Finals").

The sheet is read by the school's people (the class teacher, the administration), so it shows every
final, published or not, and marks the ones families cannot see yet. An open deferral shows as
"отсрочка" until the final is set. Students who left during the year stay on the sheet, after the
others, with the date they left and the finals of the periods begun before (the year's finals are
their new class's). Five queries whatever the size of the class.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import (
    ClassMembership,
    ClassUnit,
    Deferral,
    FinalMark,
    ReportingPeriod,
    Student,
    Subject,
    TeachingAssignment,
)
from ..models.finals import FIVE_POINT_VALUES, NOT_ASSESSED

DEFERRED = "отсрочка"
FAILING_VALUES = ("2", "1")
ROMAN = ("I", "II", "III", "IV", "V", "VI")


@dataclass(frozen=True)
class Column:
    """One sub-column of a subject: a period, the year, an exam or the final mark."""

    kind: str
    short: str
    label: str
    period_id: int | None = None
    exam: str = ""

    @property
    def key(self) -> tuple:
        return (self.kind, self.period_id, self.exam)


@dataclass
class Block:
    """A subject and its sub-columns (exam columns only where the subject has exam results)."""

    subject: Subject
    columns: list[Column]


@dataclass(frozen=True)
class Cell:
    text: str = ""
    number: int | None = None  # the value as a number when it is one (5, or exam points): for the XLSX
    unpublished: bool = False
    deferred: bool = False
    starts_block: bool = False  # the first column of a subject: a line separates the subjects

    @property
    def is_failing(self) -> bool:
        return self.text in FAILING_VALUES

    @property
    def is_not_assessed(self) -> bool:
        return self.text == NOT_ASSESSED

    @property
    def css(self) -> str:
        classes = ["starts-block"] if self.starts_block else []
        if self.deferred:
            classes.append("is-deferred")
        elif self.is_failing or self.is_not_assessed:
            classes.append("is-failing")
        return " ".join(classes)


@dataclass
class Row:
    student: Student
    left_on: datetime.date | None
    cells: list[Cell] = field(default_factory=list)

    @property
    def failing(self) -> int:
        return sum(cell.is_failing for cell in self.cells)

    @property
    def not_assessed(self) -> int:
        return sum(cell.is_not_assessed for cell in self.cells)


@dataclass
class SummarySheet:
    class_unit: ClassUnit
    blocks: list[Block]
    rows: list[Row]

    @property
    def school(self):
        return self.class_unit.school_year.school

    @property
    def school_year(self):
        return self.class_unit.school_year

    @property
    def columns(self) -> list[Column]:
        return [column for block in self.blocks for column in block.columns]

    @property
    def column_count(self) -> int:
        return len(self.columns)

    @property
    def failing_by_column(self) -> list[int]:
        """Per column, how many students have 2 or н/а there."""
        totals = [0] * self.column_count
        for row in self.rows:
            for index, cell in enumerate(row.cells):
                totals[index] += cell.is_failing or cell.is_not_assessed
        return totals

    @property
    def footer(self) -> list[tuple[int, bool]]:
        """The per-column counts of 2 and н/а, each with whether its column starts a subject."""
        starts = [index == 0 for block in self.blocks for index in range(len(block.columns))]
        return list(zip(self.failing_by_column, starts, strict=True))

    @property
    def failing_total(self) -> int:
        return sum(row.failing for row in self.rows)

    @property
    def not_assessed_total(self) -> int:
        return sum(row.not_assessed for row in self.rows)

    @property
    def has_unpublished(self) -> bool:
        return any(cell.unpublished for row in self.rows for cell in row.cells)


def _students(class_unit: ClassUnit, last_day: datetime.date) -> list[tuple[Student, datetime.date | None]]:
    """The class's students of the year with the day each left (None when still there at its end):
    those who stayed first, then those who left, each in alphabetical order."""
    spans: dict[int, tuple[Student, datetime.date | None]] = {}
    for membership in ClassMembership.objects.filter(class_unit=class_unit).select_related("student"):
        student, ends_on = spans.get(membership.student_id, (membership.student, membership.ends_on))
        if membership.ends_on is None or (ends_on is not None and membership.ends_on > ends_on):
            ends_on = membership.ends_on
        spans[membership.student_id] = (student, ends_on)
    students = [
        (student, ends_on if ends_on is not None and ends_on < last_day else None)
        for student, ends_on in spans.values()
    ]
    return sorted(
        students, key=lambda pair: (pair[1] is not None, pair[0].surname, pair[0].name, pair[0].patronymic, pair[0].pk)
    )


def _subjects(class_unit: ClassUnit, student_ids: list[int]) -> list[Subject]:
    """The subjects taught to the class or its subgroups during the year, and any other subject in
    which its students have finals this year (a stream across classes)."""
    taught = TeachingAssignment.objects.filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))
    with_finals = FinalMark.objects.filter(school_year_id=class_unit.school_year_id, student_id__in=student_ids)
    return list(
        Subject.objects.filter(Q(pk__in=taught.values("subject")) | Q(pk__in=with_finals.values("subject"))).order_by(
            "name", "pk"
        )
    )


def _period_column(period: ReportingPeriod) -> Column:
    short = ROMAN[period.number - 1] if period.number <= len(ROMAN) else str(period.number)
    return Column(kind=FinalMark.Kind.PERIOD, short=short, label=str(period), period_id=period.pk)


def _exam_column(exam: str) -> Column:
    label = str(FinalMark.Exam(exam).label)
    short = _("Exam") if exam == FinalMark.Exam.SCHOOL else label
    return Column(kind=FinalMark.Kind.EXAM, short=short, label=label, exam=exam)


def _cell(final: FinalMark, now: datetime.datetime) -> Cell:
    number = (
        final.points if final.points is not None else (int(final.value) if final.value in FIVE_POINT_VALUES else None)
    )
    return Cell(text=final.shown, number=number, unpublished=not final.is_published_at(now))


def summary_sheet(class_unit: ClassUnit, *, now: datetime.datetime) -> SummarySheet:
    """The sheet of a class the access policy has let through (``access.get_summary_class``)."""
    periods = list(
        ReportingPeriod.objects.filter(
            school_year_id=class_unit.school_year_id,
            min_grade__lte=class_unit.grade_level,
            max_grade__gte=class_unit.grade_level,
        ).order_by("starts_on", "-ends_on")
    )
    year_periods = {period.pk for period in periods if period.kind == ReportingPeriod.Kind.YEAR}
    terms = [period for period in periods if period.kind != ReportingPeriod.Kind.YEAR]
    last_day = max((period.ends_on for period in periods), default=class_unit.school_year.ends_on)

    students = _students(class_unit, last_day)
    student_ids = [student.pk for student, _left in students]
    left_on = {student.pk: day for student, day in students if day is not None}
    subjects = _subjects(class_unit, student_ids)

    starts_on = {period.pk: period.starts_on for period in periods}

    def after_leaving(student_id: int, period_id: int | None) -> bool:
        """Of a student who left, only the periods begun in the class: the rest is their new class's."""
        if student_id not in left_on:
            return False
        return period_id is None or starts_on.get(period_id, last_day) > left_on[student_id]

    finals: dict[tuple, FinalMark] = {}
    exams: dict[int, set[str]] = defaultdict(set)
    for final in FinalMark.objects.filter(school_year_id=class_unit.school_year_id, student_id__in=student_ids):
        if after_leaving(final.student_id, final.period_id):
            continue
        finals[(final.student_id, final.subject_id, final.kind, final.period_id, final.exam)] = final
        if final.kind == FinalMark.Kind.EXAM:
            exams[final.subject_id].add(final.exam)
    deferred = set()
    for student_id, subject_id, period_id in Deferral.objects.filter(
        student_id__in=student_ids, period__in=periods, resolved_at__isnull=True
    ).values_list("student_id", "subject_id", "period_id"):
        if after_leaving(student_id, period_id):
            continue
        key = (FinalMark.Kind.YEAR, None, "") if period_id in year_periods else (FinalMark.Kind.PERIOD, period_id, "")
        deferred.add((student_id, subject_id, *key))

    period_columns = [_period_column(period) for period in terms]
    year_column = Column(kind=FinalMark.Kind.YEAR, short=_("Year"), label=_("Year final"))
    final_column = Column(kind=FinalMark.Kind.FINAL, short=_("Final"), label=_("Final mark"))
    exam_order = list(FinalMark.Exam.values)
    blocks = [
        Block(
            subject=subject,
            columns=[
                *period_columns,
                year_column,
                *[_exam_column(exam) for exam in sorted(exams[subject.pk], key=exam_order.index)],
                final_column,
            ],
        )
        for subject in subjects
    ]

    rows = []
    for student, left_day in students:
        row = Row(student=student, left_on=left_day)
        for block in blocks:
            for index, column in enumerate(block.columns):
                key = (student.pk, block.subject.pk, *column.key)
                if key in finals:
                    cell = _cell(finals[key], now)
                elif key in deferred:
                    cell = Cell(text=DEFERRED, deferred=True)
                else:
                    cell = Cell()
                row.cells.append(replace(cell, starts_block=index == 0))
        rows.append(row)
    return SummarySheet(class_unit=class_unit, blocks=blocks, rows=rows)
