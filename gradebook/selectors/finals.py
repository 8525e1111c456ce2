"""What the finals pages show: a journal's finals sheet (students × one column: a period, the year, an
exam or the final mark) with the engine's average and proposal, the current final and its publication,
open deferrals and each final's history; the deferrals list; the administrator's publication report.

Selectors take objects the access policy has already let through. Each page reads in a fixed number
of queries whatever the number of students.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..charts import BarChart, bar_chart
from ..models import (
    ClassMembership,
    ClassUnit,
    Deferral,
    Employee,
    FinalMark,
    FinalMarkChange,
    Mark,
    ReportingPeriod,
    Student,
    Subject,
)
from ..models.finals import NOT_ASSESSED, PUBLICATION_DEADLINE
from ..services.finals import rules_for
from ..services.grading import proposal, shown, weighted_average, year_proposal
from .journal import Owner, _clamp, _members, default_period, owner_grade_level, periods_for

YEAR = "year"
FINAL = "final"
EXAM_PREFIX = "exam-"
# Which state exams a grade level sits; every grade may sit a school exam.
STATE_EXAMS = {9: FinalMark.Exam.OGE, 11: FinalMark.Exam.EGE}


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalsColumn:
    """One column of finals: ``key`` is what ``?column=`` says (a period's public id, year, exam-…, final)."""

    key: str
    label: str
    kind: str
    period: ReportingPeriod | None = None
    exam: str = ""

    @property
    def is_exam(self) -> bool:
        return self.kind == FinalMark.Kind.EXAM


def _exams_for(grade: int | None) -> list[str]:
    if grade is None:
        return [FinalMark.Exam.OGE, FinalMark.Exam.EGE, FinalMark.Exam.SCHOOL]
    return [exam for exam in (STATE_EXAMS.get(grade),) if exam] + [FinalMark.Exam.SCHOOL]


def finals_columns(periods: list[ReportingPeriod], grade: int | None) -> list[FinalsColumn]:
    """The journal's columns: its periods (the year aside), the year, its exams and the final mark."""
    columns = [
        FinalsColumn(key=str(p.public_id), label=str(p), kind=FinalMark.Kind.PERIOD, period=p)
        for p in periods
        if p.kind != ReportingPeriod.Kind.YEAR
    ]
    columns.append(FinalsColumn(key=YEAR, label=str(_("Year")), kind=FinalMark.Kind.YEAR))
    columns += [
        FinalsColumn(
            key=f"{EXAM_PREFIX}{exam}", label=str(FinalMark.Exam(exam).label), kind=FinalMark.Kind.EXAM, exam=exam
        )
        for exam in _exams_for(grade)
    ]
    columns.append(FinalsColumn(key=FINAL, label=str(_("Final mark")), kind=FinalMark.Kind.FINAL))
    return columns


def pick_column(columns: list[FinalsColumn], key: str | None, today: datetime.date) -> FinalsColumn:
    """The column asked for, else the period containing today (or the last begun), else the year."""
    chosen = next((column for column in columns if column.key == key), None) if key else None
    if chosen is not None:
        return chosen
    period = default_period([column.period for column in columns if column.period is not None], today)
    if period is not None:
        return next(column for column in columns if column.period == period)
    return next(column for column in columns if column.key == YEAR)


# --- The sheet ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    change: FinalMarkChange
    who: str


@dataclass
class FinalsRow:
    student: Student
    average: Decimal | None
    proposed: str
    final: FinalMark | None
    published: bool
    deferral: Deferral | None
    history: list[HistoryEntry]
    can_defer: bool  # the viewer may defer this open final (no final yet, or н/а)
    typed: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def field_name(self) -> str:
        return f"final-{self.student.public_id}"

    @property
    def average_shown(self) -> str:
        return shown(self.average)

    @property
    def value(self) -> str:
        """What the input holds: what was typed (after a refusal), the final, else the proposal (none
        while the final is deferred: recording it ends the deferral)."""
        if self.typed is not None:
            return self.typed
        if self.final is not None:
            return self.final.shown
        return "" if self.deferral else self.proposed

    @property
    def awaiting(self) -> bool:
        return self.final is not None and not self.published


@dataclass
class FinalsSheet:
    owner: Owner
    subject: Subject
    columns: list[FinalsColumn]
    column: FinalsColumn
    rows: list[FinalsRow]
    starts_on: datetime.date
    ends_on: datetime.date
    has_marks: bool
    scale: str

    @property
    def awaiting_count(self) -> int:
        return sum(row.awaiting for row in self.rows)


def _column_finals(column: FinalsColumn, subject: Subject, school_year, student_ids) -> QuerySet[FinalMark]:
    return FinalMark.objects.filter(
        student_id__in=student_ids,
        subject=subject,
        school_year=school_year,
        kind=column.kind,
        period=column.period,
        exam=column.exam,
    )


def column_finals(owner: Owner, subject: Subject, column: FinalsColumn, students) -> QuerySet[FinalMark]:
    """The finals of the column for these students (what "publish all" confirms)."""
    return _column_finals(column, subject, owner.school_year, [student.pk for student in students])


def _proposals(column: FinalsColumn, periods, subject, school_year, ids, marks, rules, has_marks) -> dict:
    """The engine's proposal per student id: a period's from its marks, the year's from the period finals
    (``periods``), the final mark's the year final; none for exams."""
    if column.kind == FinalMark.Kind.PERIOD:
        return {sid: proposal(marks[sid], rules) if has_marks else "" for sid in ids}
    if column.kind == FinalMark.Kind.EXAM:
        return {}
    if column.kind == FinalMark.Kind.YEAR:
        finals = defaultdict(list)
        rows = FinalMark.objects.filter(
            student_id__in=ids, subject=subject, kind=FinalMark.Kind.PERIOD, period__in=periods
        ).values_list("student_id", "value")
        for student_id, value in rows:
            finals[student_id].append(value)
        return {sid: year_proposal(finals[sid], rules) if finals[sid] else "" for sid in ids}
    year_finals = FinalMark.objects.filter(
        student_id__in=ids, subject=subject, school_year=school_year, kind=FinalMark.Kind.YEAR
    )
    return {final.student_id: final.shown for final in year_finals.only("student_id", "value", "points")}


def _history(finals: list[FinalMark], school_id: int) -> dict[int, list[HistoryEntry]]:
    """Each final's changes, oldest first, with who made them (two queries)."""
    changes = list(
        FinalMarkChange.objects.filter(final__in=finals).select_related("changed_by").order_by("created_at", "pk")
    )
    names = {}
    if changes:
        profiles = Employee.objects.filter(
            school_id=school_id, user_id__in={change.changed_by_id for change in changes}
        ).only("user_id", "surname", "name", "patronymic")
        names = {profile.user_id: profile.short_name for profile in profiles}
    history = defaultdict(list)
    for change in changes:
        who = names.get(change.changed_by_id) or change.changed_by.username
        history[change.final_id].append(HistoryEntry(change=change, who=who))
    return history


def finals_sheet(
    *, owner: Owner, subject: Subject, column_key: str | None, today: datetime.date, now: datetime.datetime, deferrers
) -> FinalsSheet:
    """Students of the class or group (members on the day, within the column's dates) × one column.

    ``deferrers``: the students whose finals the viewer may defer (``access.deferrals_managed_by``).
    About a dozen queries whatever the number of students and marks."""
    grade = owner.grade_level if isinstance(owner, ClassUnit) else owner_grade_level(owner, today)
    columns = finals_columns(periods_for(owner, today), grade)
    column = pick_column(columns, column_key, today)
    year = owner.school_year
    starts_on, ends_on = (
        (column.period.starts_on, column.period.ends_on) if column.period else (year.starts_on, year.ends_on)
    )
    students = list(_members(owner, _clamp(today, starts_on, ends_on)))
    ids = [student.pk for student in students]
    marks = defaultdict(list)
    for student_id, value, weight in Mark.objects.filter(
        student_id__in=ids, subject=subject, date__range=(starts_on, ends_on)
    ).values_list("student_id", "value", "weight"):
        marks[student_id].append((value, weight))
    has_marks = grade != 1
    rules = rules_for(year)
    periods = [each.period for each in columns if each.period is not None]
    proposals = _proposals(column, periods, subject, year, ids, marks, rules, has_marks) if ids else {}
    finals = {final.student_id: final for final in _column_finals(column, subject, year, ids)} if ids else {}
    deferrals = {}
    if column.period is not None and ids:
        open_deferrals = Deferral.objects.filter(
            student_id__in=ids, subject=subject, period=column.period, resolved_at__isnull=True
        )
        deferrals = {deferral.student_id: deferral for deferral in open_deferrals}
    history = _history(list(finals.values()), subject.school_id) if finals else {}
    can_defer = set(deferrers.filter(pk__in=ids).values_list("pk", flat=True)) if column.period and ids else set()
    rows = [
        FinalsRow(
            student=student,
            average=weighted_average(marks[student.pk]) if has_marks else None,
            proposed=proposals.get(student.pk, ""),
            final=finals.get(student.pk),
            published=student.pk in finals and finals[student.pk].is_published_at(now),
            deferral=deferrals.get(student.pk),
            history=history.get(finals[student.pk].pk, []) if student.pk in finals else [],
            can_defer=student.pk in can_defer
            and student.pk not in deferrals
            and (student.pk not in finals or finals[student.pk].value == NOT_ASSESSED),
        )
        for student in students
    ]
    scales = {final.scale for final in finals.values()}
    scale = scales.pop() if column.is_exam and len(scales) == 1 else FinalMark.Scale.FIVE_POINT
    return FinalsSheet(
        owner=owner,
        subject=subject,
        columns=columns,
        column=column,
        rows=rows,
        starts_on=starts_on,
        ends_on=ends_on,
        has_marks=has_marks,
        scale=scale,
    )


# --- Deferrals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeferralLine:
    deferral: Deferral
    class_unit: ClassUnit | None
    overdue: bool


def deferral_lines(deferrals: QuerySet[Deferral], today: datetime.date) -> list[DeferralLine]:
    """Open deferrals, the overdue ones (due date passed, final not set) first, each with the student's
    class today (three queries)."""
    deferrals = list(
        deferrals.filter(resolved_at__isnull=True)
        .select_related("student", "subject", "period")
        .annotate(extension_count=Count("extensions"))
        .order_by("due_on", "student__surname", "student__name", "pk")
    )
    classes = {
        membership.student_id: membership.class_unit
        for membership in ClassMembership.objects.current(today)
        .filter(student_id__in={d.student_id for d in deferrals})
        .select_related("class_unit")
    }
    lines = [
        DeferralLine(deferral=d, class_unit=classes.get(d.student_id), overdue=d.is_overdue_on(today))
        for d in deferrals
    ]
    return sorted(lines, key=lambda line: not line.overdue)


def deferrable_students(students: QuerySet[Student], today: datetime.date) -> list[tuple[ClassUnit, list[Student]]]:
    """The students the user may defer finals for, by their class today (one query)."""
    memberships = (
        ClassMembership.objects.current(today)
        .filter(student__in=students)
        .select_related("student", "class_unit")
        .order_by("class_unit__grade_level", "class_unit__letter", "student__surname", "student__name", "student__pk")
    )
    by_class: dict[ClassUnit, list[Student]] = {}
    for membership in memberships:
        by_class.setdefault(membership.class_unit, []).append(membership.student)
    return list(by_class.items())


def deferral_subjects(student: Student) -> QuerySet[Subject]:
    return Subject.objects.filter(school_id=student.school_id).order_by("name")


def deferral_periods(student: Student, today: datetime.date) -> QuerySet[ReportingPeriod]:
    """The periods of the student's class this school year whose finals may be deferred (the year aside)."""
    membership = ClassMembership.objects.current(today).filter(student=student).select_related("class_unit").first()
    if membership is None:
        return ReportingPeriod.objects.none()
    grade = membership.class_unit.grade_level
    return (
        ReportingPeriod.objects.filter(
            school_year_id=membership.class_unit.school_year_id, min_grade__lte=grade, max_grade__gte=grade
        )
        .exclude(kind=ReportingPeriod.Kind.YEAR)
        .select_related("school_year")
        .order_by("starts_on")
    )


# --- The publication report --------------------------------------------------------------------

LIST_LIMIT = 100
HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Bucket:
    label: str
    count: int
    share: Decimal | None

    @property
    def share_shown(self) -> str:
        return "—" if self.share is None else str(self.share.quantize(Decimal("0.1"))).replace(".", ",")


@dataclass
class PublicationReport:
    buckets: list[Bucket]
    published: int
    awaiting: list[FinalMark]
    awaiting_count: int
    overdue: list[FinalMark]
    overdue_count: int

    @property
    def chart(self) -> BarChart:
        """The buckets' shares of the published results as bars (the table beside holds the numbers)."""
        return bar_chart([(b.label, b.share, f"{b.share_shown} %") for b in self.buckets])


def report_periods(periods: QuerySet[ReportingPeriod], today: datetime.date) -> QuerySet[ReportingPeriod]:
    """The periods the report may be narrowed to: those of this school year and the last."""
    return (
        periods.filter(
            school_year__ends_on__gte=today - datetime.timedelta(days=366), school_year__starts_on__lte=today
        )
        .select_related("school_year__school")
        .order_by("school_year__school__name", "-school_year__starts_on", "min_grade", "starts_on", "kind")
    )


def finals_of_period(
    finals: QuerySet[FinalMark], period: ReportingPeriod | None, today: datetime.date
) -> QuerySet[FinalMark]:
    """The finals of a period; of a year period, the year finals, exams and final marks of its school
    year; without a period, every final of the school years running today."""
    if period is None:
        return finals.filter(school_year__starts_on__lte=today, school_year__ends_on__gte=today)
    if period.kind == ReportingPeriod.Kind.YEAR:
        return finals.filter(school_year_id=period.school_year_id).exclude(kind=FinalMark.Kind.PERIOD)
    return finals.filter(period=period)


BUCKETS = (
    ("immediate", _("At once (under 1 hour)"), Q(delay__lt=HOUR)),
    ("hours", _("1 to 6 hours"), Q(delay__gte=HOUR, delay__lt=6 * HOUR)),
    ("day", _("6 to 24 hours"), Q(delay__gte=6 * HOUR, delay__lt=PUBLICATION_DEADLINE)),
    ("rule", _("By the 24-hour rule"), Q(delay__gte=PUBLICATION_DEADLINE)),
)


def publication_report(finals: QuerySet[FinalMark], now: datetime.datetime) -> PublicationReport:
    """How long finals waited before families saw them (published − recorded), in buckets; the results
    still awaiting publication, with their deadline; and those past 24 hours not yet stamped by the sweep
    ("announcement overdue"). Five queries whatever the number of finals."""
    delays = (
        finals.filter(published_at__isnull=False)
        .annotate(delay=ExpressionWrapper(F("published_at") - F("recorded_at"), output_field=DurationField()))
        .aggregate(**{key: Count("pk", filter=condition) for key, _label, condition in BUCKETS})
    )
    published = sum(delays.values())
    buckets = [
        Bucket(label=str(label), count=delays[key], share=Decimal(delays[key] * 100) / published if published else None)
        for key, label, _condition in BUCKETS
    ]
    related = ("student", "subject", "period", "school_year")
    awaiting = finals.awaiting_publication(now).select_related(*related).order_by("recorded_at", "pk")
    overdue = finals.overdue_for_stamp(now).select_related(*related).order_by("recorded_at", "pk")
    return PublicationReport(
        buckets=buckets,
        published=published,
        awaiting=list(awaiting[:LIST_LIMIT]),
        awaiting_count=awaiting.count(),
        overdue=list(overdue[:LIST_LIMIT]),
        overdue_count=overdue.count(),
    )
