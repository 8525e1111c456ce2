"""The diary's marks: per subject for a reporting period, each mark with its work type, weight and date,
and the weighted average from the grading engine (the only place averages are computed)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from ...models import Mark, ReportingPeriod, Student, Subject, TeachingAssignment
from ...services.grading import shown, weighted_average
from .enrolment import enrolment_for
from .week import enrolments_for


@dataclass(frozen=True)
class SubjectMarks:
    subject: Subject
    marks: list[Mark]
    average: Decimal | None

    @property
    def shown_average(self) -> str:
        return shown(self.average)


def marks_for_period(student: Student, period: ReportingPeriod) -> list[SubjectMarks]:
    """Every subject the student studies in the period (their classes' and groups' assignments), with
    or without marks, and any subject they have marks in; in the subjects' order.

    Three queries whatever the number of marks: memberships (two), the marks by ``(student, date)``
    with their subject and work type, and the subjects of the assignments.
    """
    marks = list(
        Mark.objects.filter(student=student, date__range=(period.starts_on, period.ends_on))
        .select_related("subject", "work_type")
        .order_by("date", "position", "pk")
    )
    enrolment = enrolment_for(student, period.starts_on, period.ends_on)
    assignments = (
        TeachingAssignment.objects.filter(enrolment.q())
        .filter(starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.starts_on))
    )
    subjects = {subject.pk: subject for subject in Subject.objects.filter(pk__in=assignments.values("subject"))}
    by_subject: dict[int, list[Mark]] = defaultdict(list)
    for mark in marks:
        subjects.setdefault(mark.subject_id, mark.subject)
        by_subject[mark.subject_id].append(mark)
    lines = [
        SubjectMarks(
            subject=subject,
            marks=by_subject.get(subject.pk, []),
            average=weighted_average((mark.value, mark.weight) for mark in by_subject.get(subject.pk, [])),
        )
        for subject in subjects.values()
    ]
    return sorted(lines, key=lambda line: (line.subject.name.casefold(), line.subject.pk))


def marks_for_students(students, period: ReportingPeriod) -> dict[int, list[SubjectMarks]]:
    """``marks_for_period`` of many students of the same period (a class's paper extracts):
    ``student id -> lines`` in four queries whatever the numbers of students and marks."""
    students = list(students)
    enrolments = enrolments_for(students, period.starts_on, period.ends_on)
    marks: dict[int, list[Mark]] = defaultdict(list)
    rows = (
        Mark.objects.filter(student__in=[s.pk for s in students], date__range=(period.starts_on, period.ends_on))
        .select_related("subject", "work_type")
        .order_by("date", "position", "pk")
    )
    for mark in rows:
        marks[mark.student_id].append(mark)
    class_ids = {m.class_unit_id for each in enrolments.values() for m in each.classes}
    group_ids = {m.group_id for each in enrolments.values() for m in each.groups}
    assignments = list(
        TeachingAssignment.objects.filter(Q(class_unit_id__in=class_ids) | Q(study_group_id__in=group_ids))
        .filter(starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.starts_on))
        .select_related("subject")
    )
    result = {}
    for student in students:
        enrolment = enrolments[student.pk]
        subjects = {
            assignment.subject_id: assignment.subject
            for assignment in assignments
            if (assignment.class_unit_id is not None and assignment.class_unit_id in enrolment.class_ids)
            or (assignment.study_group_id is not None and assignment.study_group_id in enrolment.group_ids)
        }
        by_subject: dict[int, list[Mark]] = defaultdict(list)
        for mark in marks.get(student.pk, []):
            subjects.setdefault(mark.subject_id, mark.subject)
            by_subject[mark.subject_id].append(mark)
        lines = [
            SubjectMarks(
                subject=subject,
                marks=by_subject.get(subject.pk, []),
                average=weighted_average((mark.value, mark.weight) for mark in by_subject.get(subject.pk, [])),
            )
            for subject in subjects.values()
        ]
        result[student.pk] = sorted(lines, key=lambda line: (line.subject.name.casefold(), line.subject.pk))
    return result
