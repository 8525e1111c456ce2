"""What the statistics measure: a school year or one of its reporting periods, the classes it covers,
their span of study, the curriculum's planned hours and the journals (a class or one of its
subgroups × a subject) with their teacher. Read in a fixed number of queries, whatever the school's size.

The rules (the page states them too):

- **Classes**: a reporting period covers the classes of its grade levels; the year covers every class.
- **Span** of a class: the period's dates; for the year, the «year» reporting period of its grade level,
  else its grade level's periods from the first to the last, else the school year's dates.
- **Study days**: Monday to Friday within the grade level's reporting periods (any day of the span when
  it has none), less the holidays of the grade level.
- **Planned hours** of a class in a subject, for a period: the class's line for that period, else its
  grade level's; else the yearly line (the class's, else the grade level's) × the period's share of the
  year, that is its study days over those of all periods of its kind for the grade level. For the year:
  the yearly line, else the sum of the lines of the grade level's periods.
- **Planned to date**: the planned hours × the share of the span's study days up to today.
- **Journals**: a class × a subject is taught in the class's subgroups when any of them has the subject
  (a teaching assignment or a lesson): each subgroup then carries the class's planned hours (two English
  groups each hold the class's English hours); otherwise the class itself does. Lessons of a group
  without a class (a stream across classes) belong to no class's curriculum and are left out.
- **Teacher** of a journal: its teaching assignment that overlaps the span (the latest to start).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ...models import (
    ClassUnit,
    CurriculumLine,
    Employee,
    Holiday,
    ReportingPeriod,
    SchoolYear,
    StudyGroup,
    Subject,
    TeachingAssignment,
)

DAY = datetime.timedelta(days=1)
ZERO = Decimal(0)
ONE = Decimal(1)


class Grouping(models.TextChoices):
    CLASS = "class", _("class")
    SUBJECT = "subject", _("subject")
    TEACHER = "teacher", _("teacher")
    GRADE = "grade", _("grade level")


# How a caption says the grouping ("…, by class"): whole phrases, for the translations' sake.
GROUPED_BY = {
    Grouping.CLASS: _("by class"),
    Grouping.SUBJECT: _("by subject"),
    Grouping.TEACHER: _("by teacher"),
    Grouping.GRADE: _("by grade level"),
}


@dataclass(frozen=True)
class Span:
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True)
class Journal:
    """A class or one of its subgroups × a subject: who teaches it, and whether it carries the plan."""

    class_unit: ClassUnit
    group: StudyGroup | None
    subject_id: int
    teacher: Employee | None
    carries_plan: bool


@dataclass(frozen=True)
class Group:
    """A row of a statistics table: what it groups, how it sorts and what it is called."""

    key: object
    sort: tuple
    label: str


@dataclass
class Scope:
    school_year: SchoolYear
    period: ReportingPeriod | None
    today: datetime.date
    classes: list[ClassUnit]
    periods: list[ReportingPeriod]
    holidays: list[Holiday]
    subjects: dict[int, Subject]
    groups: dict[int, StudyGroup]
    assignments: list[TeachingAssignment]
    # (subject, "class" or "grade", class id or grade level, period id or None for the year) → hours
    lines: dict[tuple, int]
    _days: dict = field(default_factory=dict, repr=False)

    @property
    def grades(self) -> list[int]:
        return sorted({class_unit.grade_level for class_unit in self.classes})

    # --- Spans and study days -------------------------------------------------------------

    def _covering(self, grade: int) -> list[ReportingPeriod]:
        return [p for p in self.periods if p.min_grade <= grade <= p.max_grade]

    def year_span(self, grade: int) -> Span:
        covering = self._covering(grade)
        whole = [p for p in covering if p.kind == ReportingPeriod.Kind.YEAR]
        if whole:
            return Span(whole[0].starts_on, whole[0].ends_on)
        if covering:
            return Span(min(p.starts_on for p in covering), max(p.ends_on for p in covering))
        return Span(self.school_year.starts_on, self.school_year.ends_on)

    def span(self, grade: int) -> Span:
        if self.period is not None:
            return Span(self.period.starts_on, self.period.ends_on)
        return self.year_span(grade)

    def study_days(self, grade: int, starts_on: datetime.date, ends_on: datetime.date) -> int:
        key = (grade, starts_on, ends_on)
        if key not in self._days:
            holidays = [(h.starts_on, h.ends_on) for h in self.holidays if h.min_grade <= grade <= h.max_grade]
            terms = [(p.starts_on, p.ends_on) for p in self._covering(grade) if p.kind != ReportingPeriod.Kind.YEAR]
            count, day = 0, starts_on
            while day <= ends_on:
                if (
                    day.weekday() < 5
                    and not any(start <= day <= end for start, end in holidays)
                    and (not terms or any(start <= day <= end for start, end in terms))
                ):
                    count += 1
                day += DAY
            self._days[key] = count
        return self._days[key]

    def passed_share(self, grade: int) -> Decimal:
        """The share of the span's study days up to today (0 before it starts, 1 once it is over)."""
        span = self.span(grade)
        if self.today < span.starts_on:
            return ZERO
        if self.today >= span.ends_on:
            return ONE
        total = self.study_days(grade, span.starts_on, span.ends_on)
        if not total:
            return ZERO
        return Decimal(self.study_days(grade, span.starts_on, self.today)) / total

    def period_share(self, grade: int) -> Decimal:
        """The selected period's share of the year for a grade level: its study days over those of all
        the periods of its kind for the grade level (the year's span when they have none)."""
        period = self.period
        scheme = [p for p in self._covering(grade) if p.kind == period.kind]
        total = sum(self.study_days(grade, p.starts_on, p.ends_on) for p in scheme)
        if not total:
            year = self.year_span(grade)
            total = self.study_days(grade, year.starts_on, year.ends_on)
        if not total:
            return ZERO
        return Decimal(self.study_days(grade, period.starts_on, period.ends_on)) / total

    # --- The curriculum -------------------------------------------------------------------

    def _line(self, subject_id: int, class_unit: ClassUnit, period_id: int | None) -> int | None:
        for key in (
            (subject_id, "class", class_unit.pk, period_id),
            (subject_id, "grade", class_unit.grade_level, period_id),
        ):
            if key in self.lines:
                return self.lines[key]
        return None

    def planned(self, class_unit: ClassUnit, subject_id: int) -> Decimal:
        """The planned hours of a class in a subject over the scope (see the module's rules)."""
        grade = class_unit.grade_level
        if self.period is not None:
            hours = self._line(subject_id, class_unit, self.period.pk)
            if hours is not None:
                return Decimal(hours)
            yearly = self._line(subject_id, class_unit, None)
            return ZERO if yearly is None else yearly * self.period_share(grade)
        yearly = self._line(subject_id, class_unit, None)
        if yearly is not None:
            return Decimal(yearly)
        of_periods = (self._line(subject_id, class_unit, p.pk) for p in self._covering(grade))
        return Decimal(sum(hours for hours in of_periods if hours is not None))

    def planned_subjects(self, class_unit: ClassUnit) -> set[int]:
        return {
            subject_id
            for subject_id, level, owner, _period in self.lines
            if (level == "class" and owner == class_unit.pk) or (level == "grade" and owner == class_unit.grade_level)
        }

    # --- Journals and their teachers --------------------------------------------------------

    @cached_property
    def _assignments_by_journal(self) -> dict[tuple, list[TeachingAssignment]]:
        by_journal = defaultdict(list)
        for assignment in self.assignments:
            by_journal[(assignment.class_unit_id, assignment.study_group_id, assignment.subject_id)].append(assignment)
        return by_journal

    def teacher_of(self, class_unit: ClassUnit, group: StudyGroup | None, subject_id: int) -> Employee | None:
        span = self.span(class_unit.grade_level)
        key = (None, group.pk, subject_id) if group else (class_unit.pk, None, subject_id)
        candidates = [assignment for assignment in self._assignments_by_journal[key] if _overlaps(assignment, span)]
        if not candidates:
            return None
        return max(candidates, key=lambda assignment: (assignment.starts_on, assignment.pk)).teacher

    def journals(self, lesson_keys: Iterable[tuple[int, int | None, int]] = ()) -> list[Journal]:
        """The journals of the classes in scope, from the curriculum, the teaching assignments and
        ``lesson_keys``: (class id, group id or None, subject id) of lessons in the range."""
        classes = {class_unit.pk: class_unit for class_unit in self.classes}
        owners: dict[tuple[int, int], set[int | None]] = defaultdict(set)
        for class_unit in self.classes:
            for subject_id in self.planned_subjects(class_unit):
                owners.setdefault((class_unit.pk, subject_id), set())
        for assignment in self.assignments:
            group = self.groups.get(assignment.study_group_id)
            class_unit = classes[group.class_unit_id if group else assignment.class_unit_id]
            if _overlaps(assignment, self.span(class_unit.grade_level)):
                owners[(class_unit.pk, assignment.subject_id)].add(group.pk if group else None)
        for class_id, group_id, subject_id in lesson_keys:
            if class_id in classes:
                owners[(class_id, subject_id)].add(group_id)
        journals = []
        for (class_id, subject_id), found in owners.items():
            class_unit = classes[class_id]
            carriers = {owner for owner in found if owner is not None} or {None}
            for owner in sorted(carriers | found, key=lambda owner: owner or 0):
                group = self.groups[owner] if owner is not None else None
                teacher = self.teacher_of(class_unit, group, subject_id)
                journals.append(Journal(class_unit, group, subject_id, teacher, carries_plan=owner in carriers))
        return journals

    # --- Rows -------------------------------------------------------------------------------

    def group_of(self, grouping: str, *, class_unit: ClassUnit, subject_id: int, teacher: Employee | None) -> Group:
        if grouping == Grouping.SUBJECT:
            subject = self.subjects[subject_id]
            return Group(subject_id, (subject.name, subject_id), subject.name)
        if grouping == Grouping.TEACHER:
            if teacher is None:
                return Group(None, (1, "", 0), str(_("No teacher assigned")))
            return Group(teacher.pk, (0, teacher.full_name, teacher.pk), teacher.short_name)
        if grouping == Grouping.GRADE:
            level = class_unit.grade_level
            return Group(level, (level,), str(_("Grade %(level)s") % {"level": level}))
        return Group(class_unit.pk, (class_unit.grade_level, class_unit.letter), str(class_unit))


def total_group() -> Group:
    return Group("total", (), str(_("Total")))


def _overlaps(assignment: TeachingAssignment, span: Span) -> bool:
    return assignment.starts_on <= span.ends_on and (assignment.ends_on is None or assignment.ends_on >= span.starts_on)


def _line_key(line: CurriculumLine, year_periods: set[int]) -> tuple:
    period_id = None if line.period_id in year_periods else line.period_id
    if line.class_unit_id is not None:
        return (line.subject_id, "class", line.class_unit_id, period_id)
    return (line.subject_id, "grade", line.grade_level, period_id)


def build_scope(*, school_year: SchoolYear, period: ReportingPeriod | None, today: datetime.date) -> Scope:
    """The scope of a school year (``period`` None) or one of its periods: seven queries."""
    classes = ClassUnit.objects.filter(school_year=school_year).order_by("grade_level", "letter")
    if period is not None:
        classes = classes.filter(grade_level__gte=period.min_grade, grade_level__lte=period.max_grade)
    classes = list(classes)
    periods = list(ReportingPeriod.objects.filter(school_year=school_year).order_by("starts_on", "min_grade"))
    year_periods = {p.pk for p in periods if p.kind == ReportingPeriod.Kind.YEAR}
    lines = CurriculumLine.objects.filter(school_year=school_year)
    if period is not None:
        lines = lines.filter(Q(period=period) | Q(period__isnull=True) | Q(period__in=year_periods))
    groups = {group.pk: group for group in StudyGroup.objects.filter(class_unit__in=classes)}
    return Scope(
        school_year=school_year,
        period=period,
        today=today,
        classes=classes,
        periods=periods,
        holidays=list(Holiday.objects.filter(school_year=school_year)),
        subjects={subject.pk: subject for subject in Subject.objects.filter(school_id=school_year.school_id)},
        groups=groups,
        assignments=list(
            TeachingAssignment.objects.filter(
                Q(class_unit__in=classes) | Q(study_group__in=list(groups))
            ).select_related("teacher")
        ),
        lines={_line_key(line, year_periods): line.planned_hours for line in lines},
    )
