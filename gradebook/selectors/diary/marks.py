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
