"""What a digest tells about each child: the marks recorded since the guardian's previous digest (with
their work types), homework for the next school day (daily) or the coming week (weekly), changes to
those lessons, the control works ahead, the forecast per subject with its alerts, the teachers'
recommendations and the finals published since.

Built for many children at once in a fixed number of queries whatever their number: the memberships,
then each kind of row read once for all of them (marks by student, lessons by class or group and date),
and the forecast once per reporting period running (``gradebook.selectors.forecast_students``).

Decisions:
- **Homework** is given at a lesson for the next lesson of the subject: the homework "for tomorrow" is the
  homework given at the lesson before each of tomorrow's lessons (looked for up to ``LOOKBACK`` days back).
- **The next school day** after Saturday is Monday: Sunday has no lessons.
- **Marks**: new or changed since the previous digest (``updated_at``), as they stand now.
- **The forecast**: the weekly digest lists every subject, at-risk ones first; the daily one only the
  subjects at risk and those with new marks (families hate noise).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce, Least

from gradebook.models import (
    ClassMembership,
    ControlWork,
    FinalMark,
    Lesson,
    LessonChange,
    Mark,
    Recommendation,
    Student,
    StudyGroupMembership,
    Subject,
)
from gradebook.models.finals import PUBLICATION_DEADLINE
from gradebook.selectors.forecast_students import ForecastLine, student_forecasts

from ..models import Digest
from .digest_families import Recipient

LOOKBACK = datetime.timedelta(days=21)
CONTROL_WORKS_AHEAD = {Digest.Rhythm.DAILY: 7, Digest.Rhythm.WEEKLY: 14}
SUNDAY = 6


def ahead_span(rhythm: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days whose homework and lesson changes a digest of ``day`` tells: the next school day, or
    the coming week."""
    first = day + datetime.timedelta(days=1)
    if rhythm == Digest.Rhythm.WEEKLY:
        return first, day + datetime.timedelta(days=7)
    if first.weekday() == SUNDAY:
        first += datetime.timedelta(days=1)
    return first, first


@dataclass(frozen=True)
class HomeworkLine:
    subject: Subject
    due_on: datetime.date
    given_on: datetime.date
    text: str


@dataclass(frozen=True)
class ChangeLine:
    lesson: Lesson
    kind: str
    kind_label: str
    reason: str
    moved_from: datetime.date | None
    moved_from_number: int | None


@dataclass
class ChildDigest:
    student: Student
    marks: list[Mark] = field(default_factory=list)
    homework: list[HomeworkLine] = field(default_factory=list)
    changes: list[ChangeLine] = field(default_factory=list)
    control_works: list[ControlWork] = field(default_factory=list)
    forecasts: list[ForecastLine] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    finals: list[FinalMark] = field(default_factory=list)

    @property
    def at_risk(self) -> list[ForecastLine]:
        return [line for line in self.forecasts if line.forecast.at_risk]

    @property
    def is_empty(self) -> bool:
        return not (
            self.marks
            or self.homework
            or self.changes
            or self.control_works
            or self.at_risk
            or self.recommendations
            or self.finals
        )


class _Enrolments:
    """Each student's class and group memberships overlapping a span (two queries for all of them)."""

    def __init__(self, student_ids: list[int], first: datetime.date, last: datetime.date):
        self.classes: dict[int, list[ClassMembership]] = defaultdict(list)
        self.groups: dict[int, list[StudyGroupMembership]] = defaultdict(list)
        overlapping = Q(starts_on__lte=last) & (Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        for membership in ClassMembership.objects.filter(overlapping, student_id__in=student_ids):
            self.classes[membership.student_id].append(membership)
        for membership in StudyGroupMembership.objects.filter(overlapping, student_id__in=student_ids):
            self.groups[membership.student_id].append(membership)
        self.class_ids = sorted({m.class_unit_id for members in self.classes.values() for m in members})
        self.group_ids = sorted({m.group_id for members in self.groups.values() for m in members})

    def owners(self, prefix: str = "") -> Q:
        """Rows of any of the students' classes or groups (``class_unit``/``study_group`` columns, after
        ``prefix``): an empty condition matches nothing."""
        return Q(**{f"{prefix}class_unit_id__in": self.class_ids}) | Q(
            **{f"{prefix}study_group_id__in": self.group_ids}
        )

    def takes(self, student_id: int, day: datetime.date, class_unit_id: int | None, study_group_id: int | None):
        if class_unit_id is not None:
            return any(m.class_unit_id == class_unit_id and _holds(m, day) for m in self.classes[student_id])
        return any(m.group_id == study_group_id and _holds(m, day) for m in self.groups[student_id])


def _holds(membership, day: datetime.date) -> bool:
    return membership.starts_on <= day and (membership.ends_on is None or membership.ends_on >= day)


def _owner(row) -> tuple[int | None, int | None]:
    return row.class_unit_id, row.study_group_id


def digest_content(
    *, recipients: list[Recipient], rhythm: str, day: datetime.date, now: datetime.datetime
) -> dict[tuple[int, int], ChildDigest]:
    """Each recipient's children's digests, keyed ``(guardian id, student id)``: about a dozen queries,
    and three more per reporting period running, whatever the numbers of families and rows."""
    students = {student.pk: student for recipient in recipients for student in recipient.students}
    if not students:
        return {}
    ids = sorted(students)
    first, last = ahead_span(rhythm, day)
    horizon = day + datetime.timedelta(days=CONTROL_WORKS_AHEAD[rhythm])
    earliest = min(recipient.since for recipient in recipients)
    enrolments = _Enrolments(ids, day, max(last, horizon))
    owners = enrolments.owners()

    marks = defaultdict(list)
    for mark in (
        Mark.objects.filter(student_id__in=ids, updated_at__gte=earliest, updated_at__lt=now)
        .select_related("subject", "work_type")
        .order_by("date", "position", "pk")
    ):
        marks[mark.student_id].append(mark)
    homework = _homework(enrolments, owners, ids, day, first, last)
    changes = _changes(enrolments, ids, first, last)
    works = defaultdict(list)
    for work in (
        ControlWork.objects.filter(owners, date__gt=day, date__lte=horizon)
        .select_related("subject")
        .order_by("date", "number", "subject__name", "pk")
    ):
        for student_id in ids:
            if enrolments.takes(student_id, work.date, *_owner(work)):
                works[student_id].append(work)
    recommendations = defaultdict(list)
    for recommendation in (
        Recommendation.objects.filter(student_id__in=ids, created_at__gte=earliest, created_at__lt=now)
        .select_related("teacher", "subject")
        .order_by("created_at", "pk")
    ):
        recommendations[recommendation.student_id].append(recommendation)
    finals = defaultdict(list)
    for final in _finals_published(ids, earliest, now):
        finals[final.student_id].append(final)
    forecasts = {item.student.pk: item.lines for item in student_forecasts(list(students.values()), today=day)}

    content = {}
    for recipient in recipients:
        since = recipient.since
        for student in recipient.students:
            new_marks = [mark for mark in marks[student.pk] if mark.updated_at >= since]
            marked = {mark.subject_id for mark in new_marks}
            lines = forecasts.get(student.pk, [])
            if rhythm == Digest.Rhythm.DAILY:
                lines = [line for line in lines if line.forecast.at_risk or line.subject.pk in marked]
            content[recipient.guardian.pk, student.pk] = ChildDigest(
                student=student,
                marks=new_marks,
                homework=homework[student.pk],
                changes=changes[student.pk],
                control_works=works[student.pk],
                forecasts=sorted(lines, key=lambda line: not line.forecast.at_risk),
                recommendations=[r for r in recommendations[student.pk] if r.created_at >= since],
                finals=[final for final in finals[student.pk] if final.visible_from >= since],
            )
    return content


def _homework(enrolments: _Enrolments, owners: Q, ids, day, first, last) -> dict[int, list[HomeworkLine]]:
    """For each lesson of the span a student takes, the homework given at the lesson of the subject
    before it (one query: the lessons from ``LOOKBACK`` before the digest to the span's end)."""
    lessons = (
        Lesson.objects.filter(owners, date__gte=day - LOOKBACK, date__lte=last, is_cancelled=False)
        .select_related("subject", "homework")
        .order_by("date", "number", "pk")
    )
    previous: dict[tuple, Lesson] = {}
    due: list[tuple[Lesson, Lesson]] = []
    for lesson in lessons:
        key = (*_owner(lesson), lesson.subject_id)
        before = previous.get(key)
        if lesson.date >= first and before is not None and hasattr(before, "homework"):
            due.append((lesson, before))
        previous[key] = lesson
    found = defaultdict(list)
    for lesson, before in due:
        line = HomeworkLine(lesson.subject, lesson.date, before.date, before.homework.text)
        for student_id in ids:
            if enrolments.takes(student_id, lesson.date, *_owner(lesson)):
                found[student_id].append(line)
    return found


def _changes(enrolments: _Enrolments, ids, first, last) -> dict[int, list[ChangeLine]]:
    """The span's lessons that were substituted, moved (to or away from it), cancelled or added: each
    once, as it stands, with its latest change's kind and reason (one query)."""
    in_span = Q(lesson__date__range=(first, last)) | Q(old_date__range=(first, last))
    rows = (
        LessonChange.objects.filter(in_span, enrolments.owners("lesson__"))
        .select_related("lesson__subject", "lesson__substitute")
        .order_by("created_at", "pk")
    )
    latest: dict[int, LessonChange] = {}
    first_move: dict[int, LessonChange] = {}
    for change in rows:
        latest[change.lesson_id] = change
        if change.kind == LessonChange.Kind.MOVE:
            first_move.setdefault(change.lesson_id, change)
    found = defaultdict(list)
    for lesson_id, change in sorted(latest.items(), key=lambda item: (item[1].lesson.date, item[1].lesson.number)):
        lesson = change.lesson
        move = first_move.get(lesson_id) if lesson.is_moved else None
        line = ChangeLine(
            lesson=lesson,
            kind=change.kind,
            kind_label=change.get_kind_display(),
            reason=change.reason,
            moved_from=move.old_date if move else None,
            moved_from_number=move.old_number if move else None,
        )
        for student_id in ids:
            if enrolments.takes(student_id, lesson.date, *_owner(lesson)):
                found[student_id].append(line)
    return found


def _finals_published(ids, since: datetime.datetime, now: datetime.datetime):
    """Finals and exam results that became visible to families in ``[since, now)``: on confirmation, or
    24 hours after they were recorded, whichever came first (one query)."""
    deadline = ExpressionWrapper(F("recorded_at") + PUBLICATION_DEADLINE, output_field=DateTimeField())
    return (
        FinalMark.objects.published(now)
        .filter(student_id__in=ids)
        .annotate(visible_from=Least(Coalesce("published_at", deadline), deadline))
        .filter(visible_from__gte=since, visible_from__lt=now)
        .select_related("subject", "period")
        .order_by("visible_from", "subject__name", "pk")
    )
