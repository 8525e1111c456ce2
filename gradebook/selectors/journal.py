"""What the teacher's journal shows: the list of journals, the grid of a period (students × lessons)
with marks, attendance and each row's weighted average and forecast, one cell, a lesson's panel, the
history.

Selectors take the viewer and objects the access policy has already let through; they ask the
policy again only for which lessons the viewer sees and edits. The grid reads in a fixed number
of queries whatever the number of students, lessons and marks.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.safestring import SafeString, mark_safe

from .. import access
from ..models import (
    Attendance,
    ClassMembership,
    ClassUnit,
    Employee,
    Homework,
    JournalChange,
    Lesson,
    Mark,
    ReportingPeriod,
    Student,
    StudyGroup,
    StudyGroupMembership,
    Subject,
    WorkType,
)
from ..services.attendance import Code, attendance_codes_for
from ..services.forecast import Forecast, forecast_get, forecasts_for
from ..services.grading import shown, weighted_average
from ..services.journal import lesson_students
from ..services.marks import DEFAULT_WORK_TYPE

Owner = ClassUnit | StudyGroup


def owner_filter(owner: Owner) -> Q:
    return Q(class_unit=owner) if isinstance(owner, ClassUnit) else Q(study_group=owner)


def lesson_owner(lesson: Lesson) -> Owner:
    return lesson.class_unit if lesson.class_unit_id else lesson.study_group


# --- Periods -----------------------------------------------------------------------------------


def owner_grade_level(owner: Owner, on: datetime.date) -> int | None:
    """A class's grade level, a subgroup's class's, or a stream's (its members' classes)."""
    if isinstance(owner, ClassUnit):
        return owner.grade_level
    if owner.class_unit_id:
        return owner.class_unit.grade_level
    members = StudyGroupMembership.objects.current(on).filter(group=owner).values("student")
    return (
        ClassMembership.objects.current(on)
        .filter(student__in=members)
        .order_by("class_unit__grade_level")
        .values_list("class_unit__grade_level", flat=True)
        .first()
    )


def periods_for(owner: Owner, on: datetime.date) -> list[ReportingPeriod]:
    """The reporting periods of the owner's school year and grade level, in order."""
    periods = ReportingPeriod.objects.filter(school_year_id=owner.school_year_id)
    grade = owner_grade_level(owner, on)
    if grade is not None:
        periods = periods.filter(min_grade__lte=grade, max_grade__gte=grade)
    return list(periods.order_by("starts_on", "-ends_on"))


def default_period(periods: list[ReportingPeriod], on: datetime.date) -> ReportingPeriod | None:
    """The period containing the day (a quarter rather than the whole year); between periods the last
    one begun; before the first, the first."""
    containing = [p for p in periods if p.starts_on <= on <= p.ends_on]
    if containing:
        return min(containing, key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.ends_on - p.starts_on))
    begun = [p for p in periods if p.starts_on <= on and p.kind != ReportingPeriod.Kind.YEAR]
    if begun:
        return begun[-1]
    return periods[0] if periods else None


def pick_period(owner: Owner, period_public_id, on: datetime.date) -> tuple[ReportingPeriod | None, list]:
    """The period asked for (when it is one of the owner's), else the default one; and the choices."""
    periods = periods_for(owner, on)
    chosen = next((p for p in periods if str(p.public_id) == str(period_public_id)), None) if period_public_id else None
    return chosen or default_period(periods, on), periods


def period_dates(owner: Owner, period: ReportingPeriod | None) -> tuple[datetime.date, datetime.date]:
    if period is not None:
        return period.starts_on, period.ends_on
    return owner.school_year.starts_on, owner.school_year.ends_on


def _clamp(day: datetime.date, start: datetime.date, end: datetime.date) -> datetime.date:
    return max(start, min(day, end))


# --- The grid ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkShown:
    value: int
    weight: Decimal
    work_type: str


@dataclass
class Cell:
    """One cell of the grid. ``error`` and ``typed`` are set when a value was refused: the cell then
    shows what was typed, with the message."""

    lesson: Lesson
    student: Student
    marks: list[MarkShown] = field(default_factory=list)
    code: str = ""
    can_edit: bool = False
    label: str = ""
    error: str = ""
    typed: str | None = None

    @property
    def text(self) -> str:
        """What the cell's input holds: «5/4», «н», «5 о»."""
        return " ".join(part for part in ("/".join(str(m.value) for m in self.marks), self.code) if part)

    @property
    def details(self) -> str:
        """Each mark's work type and weight, for the cell's tooltip."""
        return "; ".join(f"{m.value}: {m.work_type} ×{m.weight.normalize()}" for m in self.marks)

    @property
    def dom_id(self) -> str:
        """Stable across swaps, so that htmx gives the focus back to the new input."""
        return f"c-{self.lesson.pk}-{self.student.pk}"

    @property
    def error_id(self) -> str:
        return f"{self.dom_id}-error"

    @property
    def attrs(self) -> SafeString:
        """The input's attributes, escaped. Built here rather than with a template variable (or
        ``flatatt``) per attribute: a grid of 30 × 50 cells renders many times faster."""
        text = self.text
        value = self.typed if self.error else text
        parts = [f' id="{self.dom_id}" value="{escape(value)}" data-saved="{escape(text)}"']
        parts.append(f' aria-label="{escape(self.label)}" autocomplete="off" spellcheck="false" maxlength="20"')
        if self.marks:
            parts.append(f' title="{escape(self.details)}"')
        if not self.can_edit:
            parts.append(" readonly")
        if self.error:
            parts.append(f' aria-invalid="true" aria-describedby="{self.error_id}"')
        return mark_safe("".join(parts))  # every value above is escaped


@dataclass
class Row:
    student: Student
    cells: list[Cell]
    average: Decimal | None
    forecast: Forecast | None = None

    @property
    def average_shown(self) -> str:
        return shown(self.average)


@dataclass
class Column:
    lesson: Lesson
    can_edit: bool
    date_label: str = ""


@dataclass
class JournalGrid:
    owner: Owner
    subject: Subject
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    starts_on: datetime.date
    ends_on: datetime.date
    columns: list[Column]
    rows: list[Row]
    work_types: list[WorkType]
    default_work_type: WorkType | None
    codes: list[Code]
    has_marks: bool

    @property
    def can_edit(self) -> bool:
        return any(column.can_edit for column in self.columns)

    @property
    def code_list(self) -> str:
        return ", ".join(code.code for code in self.codes)


def _default_work_type(work_types: list[WorkType]) -> WorkType | None:
    return next((w for w in work_types if w.name == DEFAULT_WORK_TYPE), work_types[0] if work_types else None)


def _members(owner: Owner, on: datetime.date) -> QuerySet[Student]:
    if isinstance(owner, ClassUnit):
        members = ClassMembership.objects.current(on).filter(class_unit=owner)
    else:
        members = StudyGroupMembership.objects.current(on).filter(group=owner)
    return Student.objects.filter(pk__in=members.values("student")).order_by("surname", "name", "patronymic", "pk")


def journal_lessons(user, owner: Owner, subject: Subject, starts_on, ends_on) -> QuerySet[Lesson]:
    """The lessons of the journal in the dates that the user sees, in order."""
    return (
        access.lessons_visible_to(user)
        .filter(owner_filter(owner), subject=subject, date__gte=starts_on, date__lte=ends_on)
        .order_by("date", "number", "pk")
    )


def _forecasts(students, subject, period, columns, today) -> dict[tuple[int, int], Forecast]:
    """Each row's forecast for the period (``services.forecast``): from all the student's marks in the
    subject in the period, like the final's proposal. Whether a lesson was held comes from the grid's own
    columns, so the forecast costs two queries (the rules and the marks)."""
    if period is None:
        return {}
    held = any(not column.lesson.is_cancelled and column.lesson.date <= today for column in columns)
    pairs = {(student.pk, subject.pk) for student in students} if held else set()
    return forecasts_for(students=students, subjects=[subject], period=period, today=today, held=pairs)


def journal_grid(*, user, owner: Owner, subject: Subject, period_public_id=None, today: datetime.date) -> JournalGrid:
    """Students (members on the day, within the period) × the period's lessons that the user sees, with
    each row's weighted average and forecast. About a dozen queries, whatever the numbers of students,
    lessons and marks."""
    period, periods = pick_period(owner, period_public_id, today)
    starts_on, ends_on = period_dates(owner, period)
    lessons = list(
        journal_lessons(user, owner, subject, starts_on, ends_on)
        .select_related("substitute", "teacher")
        .annotate(has_homework=Exists(Homework.objects.filter(lesson=OuterRef("pk"))))
    )
    lesson_ids = [lesson.pk for lesson in lessons]
    editable = (
        set(access.lessons_editable_by(user).filter(pk__in=lesson_ids).values_list("pk", flat=True))
        if lesson_ids
        else set()
    )
    students = list(_members(owner, _clamp(today, starts_on, ends_on)))
    marks: dict[tuple[int, int], list[MarkShown]] = defaultdict(list)
    codes: dict[tuple[int, int], str] = {}
    if lesson_ids and students:
        rows = (
            Mark.objects.filter(lesson_id__in=lesson_ids)
            .order_by("position")
            .values_list("lesson_id", "student_id", "value", "weight", "work_type__name")
        )
        for lesson_id, student_id, value, weight, work_type in rows:
            marks[lesson_id, student_id].append(MarkShown(value, weight, work_type))
        codes = {
            (lesson_id, student_id): code
            for lesson_id, student_id, code in Attendance.objects.filter(lesson_id__in=lesson_ids).values_list(
                "lesson_id", "student_id", "code"
            )
        }
    columns = [
        Column(lesson=lesson, can_edit=lesson.pk in editable, date_label=f"{lesson.date:%d.%m}") for lesson in lessons
    ]
    grade = owner_grade_level(owner, today) if not isinstance(owner, ClassUnit) else owner.grade_level
    forecasts = _forecasts(students, subject, period, columns, today) if grade != 1 else {}
    grid_rows = []
    for student in students:
        name = student.short_name
        cells = [
            Cell(
                lesson=column.lesson,
                student=student,
                marks=marks.get((column.lesson.pk, student.pk), []),
                code=codes.get((column.lesson.pk, student.pk), ""),
                can_edit=column.can_edit,
                label=f"{name}, {column.date_label}",
            )
            for column in columns
        ]
        average = weighted_average((m.value, m.weight) for cell in cells for m in cell.marks)
        forecast = forecasts.get((student.pk, subject.pk))
        grid_rows.append(Row(student=student, cells=cells, average=average, forecast=forecast))
    work_types = list(WorkType.objects.filter(school_id=subject.school_id).order_by("name"))
    return JournalGrid(
        owner=owner,
        subject=subject,
        period=period,
        periods=periods,
        starts_on=starts_on,
        ends_on=ends_on,
        columns=columns,
        rows=grid_rows,
        work_types=work_types,
        default_work_type=_default_work_type(work_types),
        codes=attendance_codes_for(owner.school_year_id),
        has_marks=grade != 1,
    )


def get_lesson_student(lesson: Lesson, public_id) -> Student:
    """A student of the lesson's class or group on its date, or 404."""
    return get_object_or_404(lesson_students(lesson), public_id=public_id)


def journal_cell(lesson: Lesson, student: Student, *, can_edit: bool) -> Cell:
    """One cell as the grid shows it (two queries)."""
    marks = [
        MarkShown(value, weight, work_type)
        for value, weight, work_type in Mark.objects.filter(lesson=lesson, student=student)
        .order_by("position")
        .values_list("value", "weight", "work_type__name")
    ]
    entry = Attendance.objects.filter(lesson=lesson, student=student).values_list("code", flat=True).first()
    label = f"{student.short_name}, {lesson.date:%d.%m}"
    return Cell(lesson=lesson, student=student, marks=marks, code=entry or "", can_edit=can_edit, label=label)


@dataclass(frozen=True)
class RowFigures:
    average: str
    forecast: Forecast | None


def row_figures(user, lesson: Lesson, student: Student, period_public_id=None, *, today: datetime.date) -> RowFigures:
    """The weighted average (shown) and the forecast of the student's row in the grid the cell belongs to."""
    owner = lesson_owner(lesson)
    period, _periods = pick_period(owner, period_public_id, lesson.date)
    starts_on, ends_on = period_dates(owner, period)
    lessons = journal_lessons(user, owner, lesson.subject, starts_on, ends_on)
    pairs = Mark.objects.filter(student=student, lesson__in=lessons).values_list("value", "weight")
    forecast = None
    if period is not None:
        forecast = forecast_get(student=student, subject=lesson.subject, period=period, today=today)
    return RowFigures(average=shown(weighted_average(pairs)), forecast=forecast)


def codes_for_lesson(lesson: Lesson) -> list[Code]:
    return attendance_codes_for(lesson_owner(lesson).school_year_id)


def work_types_for(lesson: Lesson) -> QuerySet[WorkType]:
    return WorkType.objects.filter(school_id=lesson.school_id).order_by("name")


# --- The list of journals ------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalLink:
    owner: Owner
    subject: Subject
    can_edit: bool
    note: str = ""

    @property
    def owner_name(self) -> str:
        if isinstance(self.owner, StudyGroup) and self.owner.class_unit_id:
            return f"{self.owner.class_unit} · {self.owner.name}"
        return str(self.owner)


def _link_sort_key(link: JournalLink):
    owner = link.owner
    class_unit = owner if isinstance(owner, ClassUnit) else owner.class_unit
    grade = class_unit.grade_level if class_unit else 0
    return (grade, str(class_unit or ""), str(owner), link.subject.name)


def _links(pairs: set[tuple[int | None, int | None, int]], editable: set, note: str = "") -> list[JournalLink]:
    """Links for (class id, group id, subject id) triples, in three queries."""
    classes = ClassUnit.objects.in_bulk({c for c, _g, _s in pairs if c})
    groups = StudyGroup.objects.select_related("class_unit").in_bulk({g for _c, g, _s in pairs if g})
    subjects = Subject.objects.in_bulk({s for _c, _g, s in pairs})
    links = [
        JournalLink(
            owner=classes[c] if c else groups[g],
            subject=subjects[s],
            can_edit=(c, g, s) in editable,
            note=note,
        )
        for c, g, s in pairs
    ]
    return sorted(links, key=_link_sort_key)


def own_journals(user, on: datetime.date) -> list[JournalLink]:
    """The journals of the user's current teaching assignments."""
    pairs = set(access.journal_assignments_of(user, on).values_list("class_unit_id", "study_group_id", "subject_id"))
    return _links(pairs, pairs) if pairs else []


def substituted_journals(user, on: datetime.date, days: int = 14) -> list[JournalLink]:
    """Journals where the user substitutes a lesson within ``days`` of today (they record only there)."""
    own = set(access.journal_assignments_of(user, on).values_list("class_unit_id", "study_group_id", "subject_id"))
    window = (on - datetime.timedelta(days=days), on + datetime.timedelta(days=days))
    pairs = (
        set(
            access.lessons_substituted_by(user)
            .filter(date__range=window)
            .values_list("class_unit_id", "study_group_id", "subject_id")
            .distinct()
        )
        - own
    )
    return _links(pairs, pairs, note="substitution") if pairs else []


def pickable_classes(user, on: datetime.date) -> QuerySet[ClassUnit]:
    """Classes of this school year the user may open the journals of (they lead or serve them)."""
    return (
        access.classes_visible_to(user, on)
        .filter(school_year__starts_on__lte=on, school_year__ends_on__gte=on)
        .select_related("school_year__school", "class_teacher")
        .order_by("school_year__school__name", "grade_level", "letter")
    )


def class_journals(user, class_unit: ClassUnit, on: datetime.date) -> list[JournalLink]:
    """The journals of a class and its subgroups that the user reads: the subjects of its lessons this
    year that the user sees, and its current assignments' (editable when the assignment is theirs)."""
    of_class = Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit)
    year = class_unit.school_year
    pairs = set(
        access.lessons_visible_to(user)
        .filter(of_class, date__gte=year.starts_on, date__lte=year.ends_on)
        .values_list("class_unit_id", "study_group_id", "subject_id")
        .distinct()
    )
    own = set(
        access.journal_assignments_of(user, on)
        .filter(of_class)
        .values_list("class_unit_id", "study_group_id", "subject_id")
    )
    pairs |= own
    return _links(pairs, own) if pairs else []


# --- A lesson's panel ------------------------------------------------------------------------------


@dataclass
class LessonPanel:
    lesson: Lesson
    homework: Homework | None
    files: list
    can_edit: bool

    @property
    def owner(self) -> Owner:
        return lesson_owner(self.lesson)


def lesson_homework(lesson: Lesson) -> Homework | None:
    return Homework.objects.filter(lesson=lesson).first()


def lesson_panel(lesson: Lesson, *, can_edit: bool) -> LessonPanel:
    lesson = (
        Lesson.objects.select_related("subject", "teacher", "substitute", "class_unit", "study_group")
        .filter(pk=lesson.pk)
        .get()
    )
    homework = lesson_homework(lesson)
    files = list(homework.files.filter(removed_at__isnull=True).order_by("created_at", "pk")) if homework else []
    lesson.has_homework = homework is not None
    return LessonPanel(lesson=lesson, homework=homework, files=files, can_edit=can_edit)


# --- History ---------------------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 100


@dataclass(frozen=True)
class HistoryLine:
    change: JournalChange
    who: str


def history_page(changes: QuerySet[JournalChange], page_number) -> tuple[Page, list[HistoryLine]]:
    """One page of the history, newest first, with who changed what: three queries whatever its size
    (the count, the page with lessons and students, the authors' employee profiles)."""
    changes = changes.select_related("lesson__subject", "lesson__class_unit", "lesson__study_group", "student")
    changes = changes.select_related("changed_by").order_by("-created_at", "-pk")
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    names = {}
    if rows:
        profiles = Employee.objects.filter(
            user_id__in={row.changed_by_id for row in rows}, school_id__in={row.school_id for row in rows}
        ).only("user_id", "school_id", "surname", "name", "patronymic")
        names = {(profile.user_id, profile.school_id): profile.short_name for profile in profiles}
    lines = [
        HistoryLine(change=row, who=names.get((row.changed_by_id, row.school_id)) or row.changed_by.username)
        for row in rows
    ]
    return page, lines


# --- Reporting periods ------------------------------------------------------------------------------


def managed_periods(user, on: datetime.date) -> list[ReportingPeriod]:
    """The periods of the administered schools' current and last school years."""
    return list(
        access.periods_managed_by(user)
        .filter(school_year__ends_on__gte=on - datetime.timedelta(days=366), school_year__starts_on__lte=on)
        .select_related("school_year__school")
        .order_by("school_year__school__name", "-school_year__starts_on", "min_grade", "starts_on", "kind")
    )
