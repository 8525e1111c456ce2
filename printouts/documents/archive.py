"""The year-end archive of a class's journal for paper storage (DOMAIN.md: the journal is kept 5 years):
per subject of the class, the lessons held (date, topic, the teacher who gave it), the marks grid
(students × lesson dates, with attendance codes where there is no mark) and the period finals.

The students and their finals are the summary sheet's (``gradebook.selectors.summary``): the same rows,
the same rules for those who left. A fixed number of queries whatever the size of the class and year:
the summary sheet's five, then lessons, marks and attendance (one each).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from gradebook.models import Attendance, ClassUnit, Lesson, Mark, Subject
from gradebook.selectors.summary import Cell, Column, SummarySheet, summary_sheet

from .base import pdf_from_html

TEMPLATE = "printouts/journal_archive_pdf.html"
# Lesson columns per grid: what fits a landscape A4 beside the students' names.
COLUMNS_PER_GRID = 26


@dataclass
class GridRow:
    number: int
    name: str
    left_on: datetime.date | None
    cells: list[str]


@dataclass
class Grid:
    """A slice of a subject's lessons (at most ``COLUMNS_PER_GRID``) with every student's cells."""

    lessons: list[Lesson]
    rows: list[GridRow]


@dataclass
class FinalsRow:
    number: int
    name: str
    cells: list[Cell]


@dataclass
class SubjectArchive:
    subject: Subject
    lessons: list[Lesson]
    grids: list[Grid] = field(default_factory=list)
    final_columns: list[Column] = field(default_factory=list)
    finals: list[FinalsRow] = field(default_factory=list)

    @property
    def mark_count(self) -> int:
        return sum(cell[:1].isdigit() for grid in self.grids for row in grid.rows for cell in row.cells)


@dataclass
class JournalArchive:
    class_unit: ClassUnit
    sheet: SummarySheet
    subjects: list[SubjectArchive]

    @property
    def school(self):
        return self.class_unit.school_year.school

    @property
    def school_year(self):
        return self.class_unit.school_year


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


def journal_archive(class_unit: ClassUnit, *, now: datetime.datetime) -> JournalArchive:
    """The archive of a class the access policy has let through (``access.get_archive_class``)."""
    sheet = summary_sheet(class_unit, now=now)
    year = class_unit.school_year
    students = [row.student for row in sheet.rows]
    student_ids = [student.pk for student in students]

    lessons = list(
        Lesson.objects.filter(
            Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit),
            date__gte=year.starts_on,
            date__lte=year.ends_on,
            is_cancelled=False,
        )
        .select_related("subject", "teacher", "substitute", "study_group")
        .order_by("date", "number", "pk")
    )
    lesson_ids = [lesson.pk for lesson in lessons]
    marks: dict[tuple[int, int], list[str]] = defaultdict(list)
    for lesson_id, student_id, value in (
        Mark.objects.filter(lesson_id__in=lesson_ids, student_id__in=student_ids)
        .order_by("position")
        .values_list("lesson_id", "student_id", "value")
    ):
        marks[(lesson_id, student_id)].append(str(value))
    attendance = dict(
        (((lesson_id, student_id), code))
        for lesson_id, student_id, code in Attendance.objects.filter(
            lesson_id__in=lesson_ids, student_id__in=student_ids
        ).values_list("lesson_id", "student_id", "code")
    )

    by_subject: dict[int, list[Lesson]] = defaultdict(list)
    subjects: dict[int, Subject] = {}
    for lesson in lessons:
        by_subject[lesson.subject_id].append(lesson)
        subjects[lesson.subject_id] = lesson.subject
    blocks = {block.subject.pk: (index, block) for index, block in enumerate(sheet.blocks)}
    offsets, offset = {}, 0
    for block in sheet.blocks:
        offsets[block.subject.pk] = offset
        offset += len(block.columns)
    for block in sheet.blocks:
        subjects.setdefault(block.subject.pk, block.subject)

    archives = []
    for subject in sorted(subjects.values(), key=lambda subject: (subject.name, subject.pk)):
        subject_lessons = by_subject.get(subject.pk, [])
        archive = SubjectArchive(subject=subject, lessons=subject_lessons)
        for chunk in _chunks(subject_lessons, COLUMNS_PER_GRID):
            rows = [
                GridRow(
                    number=number,
                    name=row.student.short_name,
                    left_on=row.left_on,
                    cells=[
                        "/".join(marks[(lesson.pk, row.student.pk)]) or attendance.get((lesson.pk, row.student.pk), "")
                        for lesson in chunk
                    ],
                )
                for number, row in enumerate(sheet.rows, start=1)
            ]
            archive.grids.append(Grid(lessons=chunk, rows=rows))
        if subject.pk in blocks:
            _index, block = blocks[subject.pk]
            start = offsets[subject.pk]
            archive.final_columns = block.columns
            archive.finals = [
                FinalsRow(
                    number=number, name=row.student.short_name, cells=row.cells[start : start + len(block.columns)]
                )
                for number, row in enumerate(sheet.rows, start=1)
            ]
        archives.append(archive)
    return JournalArchive(class_unit=class_unit, sheet=sheet, subjects=archives)


def journal_archive_pdf(*, class_unit: ClassUnit, now: datetime.datetime | None = None) -> tuple[JournalArchive, bytes]:
    """The archive and its landscape A4 PDF, in Russian whatever the reader's portal language."""
    now = now or timezone.now()
    with translation.override("ru"):
        archive = journal_archive(class_unit, now=now)
        html = render_to_string(TEMPLATE, {"archive": archive, "printed_at": timezone.localtime(now)})
    return archive, pdf_from_html(html)
