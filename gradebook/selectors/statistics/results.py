"""Results (DOMAIN.md, "Statistics"): from the period finals (or the year finals), per class, subject,
teacher or grade level.

Each student's final in a subject is one result. Whose results count:

- the students of a class at the end of the span: one whose membership ended before it **left** and is
  left out (a student who moved to another class counts there);
- in each subject of the class (its curriculum, teaching assignments and lessons) and in any subject
  the student has a final or marks in; grade 1 learns without marks and has no results;
- a final on the pass/fail scale (зач, незач, and н/а or осв there) is not on the 5-point scale and is
  left out.

The denominators: **N** = all results − осв − results without marks (no final and no mark in the span);
н/а stays in N, and so does a result still awaiting its final (marks but no final yet, a deferral).
- % успеваемости = (5, 4, 3) / N × 100; % качества = (5, 4) / N × 100;
- СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n_н/а) / N (a rare 1 is counted with the 2s);
- the average final: the grading engine's weighted average, every final with weight 1.

A result's teacher is the one of the student's journal: their subgroup's in that subject, else the
class's (``scope``). Four queries, whatever the number of classes.
"""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ...models import ClassMembership, FinalMark, Mark, StudyGroupMembership
from ...models.finals import EXEMPT, NOT_ASSESSED
from ...services import grading
from .numbers import percent, shown
from .scope import Group, Scope, total_group

AWAITING = "awaiting"
WITHOUT_MARKS = "without"
PASS_FAIL = "pass_fail"
# The distribution's columns, in the order the table and the chart show them.
DISTRIBUTION = ["5", "4", "3", "2", NOT_ASSESSED, EXEMPT, AWAITING]
DISTRIBUTION_LABELS = {AWAITING: _("no final yet")}
SOU_WEIGHTS = {"5": 100, "4": 64, "3": 36, "2": 16, NOT_ASSESSED: 7}
BUCKET = {"5": "5", "4": "4", "3": "3", "2": "2", "1": "2", NOT_ASSESSED: NOT_ASSESSED, EXEMPT: EXEMPT}


@dataclass
class ResultsRow:
    group: Group
    counts: Counter = field(default_factory=Counter)
    finals: list[int] = field(default_factory=list)  # the numeric finals, for the average

    def add(self, other: ResultsRow) -> None:
        self.counts.update(other.counts)
        self.finals.extend(other.finals)

    @property
    def label(self) -> str:
        return self.group.label

    @property
    def all(self) -> int:
        return sum(self.counts.values())

    @property
    def exempt(self) -> int:
        return self.counts[EXEMPT]

    @property
    def without_marks(self) -> int:
        return self.counts[WITHOUT_MARKS]

    @property
    def n(self) -> int:
        return self.all - self.exempt - self.without_marks

    @property
    def distribution(self) -> list[int]:
        return [self.counts[bucket] for bucket in DISTRIBUTION]

    @property
    def progress(self) -> Decimal | None:
        return percent(self.counts["5"] + self.counts["4"] + self.counts["3"], self.n)

    @property
    def quality(self) -> Decimal | None:
        return percent(self.counts["5"] + self.counts["4"], self.n)

    @property
    def sou(self) -> Decimal | None:
        if not self.n:
            return None
        return Decimal(sum(weight * self.counts[bucket] for bucket, weight in SOU_WEIGHTS.items())) / self.n

    @property
    def average(self) -> Decimal | None:
        return grading.weighted_average([(value, Decimal(1)) for value in self.finals])

    @property
    def progress_shown(self) -> str:
        return shown(self.progress)

    @property
    def quality_shown(self) -> str:
        return shown(self.quality)

    @property
    def sou_shown(self) -> str:
        return shown(self.sou)

    @property
    def average_shown(self) -> str:
        return grading.shown(self.average)


@dataclass(frozen=True)
class Results:
    rows: list[ResultsRow]
    total: ResultsRow
    columns: list[tuple[str, str]]


def _holds(starts_on, ends_on, day) -> bool:
    return starts_on <= day and (ends_on is None or ends_on >= day)


def _roster(scope: Scope, classes) -> dict[int, int]:
    """Student → class: the memberships that hold at the end of the class's span."""
    ends = {class_unit.pk: scope.span(class_unit.grade_level).ends_on for class_unit in classes}
    roster = {}
    memberships = ClassMembership.objects.filter(class_unit__in=list(ends)).values_list(
        "student", "class_unit", "starts_on", "ends_on"
    )
    for student_id, class_id, starts_on, ends_on in memberships:
        if _holds(starts_on, ends_on, ends[class_id]):
            roster[student_id] = class_id
    return roster


def _groups_of(scope: Scope, roster: dict[int, int], classes: dict) -> dict[int, set[int]]:
    """Student → the subgroups of their class they belong to at the end of the span."""
    groups: dict[int, set[int]] = {}
    memberships = StudyGroupMembership.objects.filter(group__in=list(scope.groups), student__in=list(roster))
    for student_id, group_id, starts_on, ends_on in memberships.values_list("student", "group", "starts_on", "ends_on"):
        class_unit = classes[roster[student_id]]
        end = scope.span(class_unit.grade_level).ends_on
        if scope.groups[group_id].class_unit_id == class_unit.pk and _holds(starts_on, ends_on, end):
            groups.setdefault(student_id, set()).add(group_id)
    return groups


def _marked(scope: Scope, roster: dict[int, int], classes: dict) -> set[tuple[int, int]]:
    """(student, subject) pairs with at least one mark within the class's span."""
    by_span: dict[tuple, list[int]] = {}
    for student_id, class_id in roster.items():
        span = scope.span(classes[class_id].grade_level)
        by_span.setdefault((span.starts_on, span.ends_on), []).append(student_id)
    within = reduce(operator.or_, (Q(date__range=dates, student__in=ids) for dates, ids in by_span.items()))
    return set(Mark.objects.filter(within).values_list("student", "subject").distinct().order_by())


def _finals(scope: Scope, roster: dict[int, int]) -> dict[tuple[int, int], str]:
    """(student, subject) → the final's value; PASS_FAIL for a final on the pass/fail scale (н/а included)."""
    finals = FinalMark.objects.filter(school_year=scope.school_year, student__in=list(roster))
    if scope.period is not None:
        finals = finals.filter(kind=FinalMark.Kind.PERIOD, period=scope.period)
    else:
        finals = finals.filter(kind=FinalMark.Kind.YEAR)
    return {
        (student, subject): PASS_FAIL if scale == FinalMark.Scale.PASS_FAIL else value
        for student, subject, scale, value in finals.values_list("student", "subject", "scale", "value")
    }


def results_for(scope: Scope, grouping: str) -> Results:
    classes = {class_unit.pk: class_unit for class_unit in scope.classes if class_unit.has_marks}
    rows: dict[object, ResultsRow] = {}
    columns = [(bucket, str(DISTRIBUTION_LABELS.get(bucket, bucket))) for bucket in DISTRIBUTION]
    roster = _roster(scope, classes.values())
    if not roster:
        return Results(rows=[], total=ResultsRow(total_group()), columns=columns)
    journals = scope.journals()
    class_subjects: dict[int, set[int]] = {}
    teachers: dict[tuple[int, int | None, int], object] = {}
    for journal in journals:
        class_subjects.setdefault(journal.class_unit.pk, set()).add(journal.subject_id)
        teachers[(journal.class_unit.pk, journal.group.pk if journal.group else None, journal.subject_id)] = (
            journal.teacher
        )
    groups = _groups_of(scope, roster, classes)
    marked = _marked(scope, roster, classes)
    finals = _finals(scope, roster)
    pairs = {(student, subject) for student, class_id in roster.items() for subject in class_subjects.get(class_id, ())}
    pairs |= {pair for pair in (*marked, *finals) if pair[0] in roster}
    for student_id, subject_id in pairs:
        value = finals.get((student_id, subject_id))
        if value == PASS_FAIL:
            continue
        class_unit = classes[roster[student_id]]
        own = sorted(g for g in groups.get(student_id, ()) if (class_unit.pk, g, subject_id) in teachers)
        teacher = teachers.get((class_unit.pk, own[0] if own else None, subject_id))
        group = scope.group_of(grouping, class_unit=class_unit, subject_id=subject_id, teacher=teacher)
        row = rows.setdefault(group.key, ResultsRow(group))
        if value:
            row.counts[BUCKET[value]] += 1
            if value.isdigit():
                row.finals.append(int(value))
        else:
            row.counts[AWAITING if (student_id, subject_id) in marked else WITHOUT_MARKS] += 1
    ordered = sorted(rows.values(), key=lambda row: row.group.sort)
    total = ResultsRow(total_group())
    for row in ordered:
        total.add(row)
    return Results(rows=ordered, total=total, columns=columns)
