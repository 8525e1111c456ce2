"""Curriculum fulfilment (DOMAIN.md, "Statistics"): planned hours against lessons held, per class,
subject, teacher or grade level, over a reporting period or the year (the rules of planned hours,
spans and journals are in ``scope``).

- **Held**: the lessons of the span up to today (today's included) that are not cancelled, of a class or
  of its subgroups. A substituted lesson counts for its class and, by teacher, for the substitute who
  conducted it, not for the teacher it was planned for.
- **Cancelled** lessons count nowhere; the table shows how many there were (up to today).
- **Planned** hours are the journal's teacher's (its teaching assignment); held lessons the conductor's.
- **Lag** = planned to date − held, when positive. **Fulfilment** = held / planned to date × 100
  (and, beside it, held / planned × 100: the share of the whole plan of the span).
- **Lesson types**: the held lessons split by ``Lesson.kind``, "not set" for a blank one.

One aggregate query reads the lessons, whatever the number of classes.
"""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ...models import Employee, Lesson
from .numbers import percent, shown
from .scope import ZERO, Group, Grouping, Scope, total_group

NOT_SET = ""
LESSON_KINDS = [*Lesson.Kind.choices, (NOT_SET, _("not set"))]


@dataclass
class FulfilmentRow:
    group: Group
    planned: Decimal = ZERO
    planned_to_date: Decimal = ZERO
    held: int = 0
    cancelled: int = 0
    substituted: int = 0
    by_kind: Counter = field(default_factory=Counter)

    def add(self, other: FulfilmentRow) -> None:
        self.planned += other.planned
        self.planned_to_date += other.planned_to_date
        self.held += other.held
        self.cancelled += other.cancelled
        self.substituted += other.substituted
        self.by_kind.update(other.by_kind)

    @property
    def label(self) -> str:
        return self.group.label

    @property
    def lag(self) -> Decimal:
        return max(self.planned_to_date - self.held, ZERO)

    @property
    def percent_of_plan(self) -> Decimal | None:
        return percent(self.held, self.planned)

    @property
    def percent_to_date(self) -> Decimal | None:
        return percent(self.held, self.planned_to_date)

    @property
    def kind_counts(self) -> list[int]:
        return [self.by_kind[kind] for kind, _label in LESSON_KINDS]

    @property
    def planned_shown(self) -> str:
        return shown(self.planned)

    @property
    def planned_to_date_shown(self) -> str:
        return shown(self.planned_to_date)

    @property
    def lag_shown(self) -> str:
        return shown(self.lag)

    @property
    def percent_of_plan_shown(self) -> str:
        return shown(self.percent_of_plan)

    @property
    def percent_to_date_shown(self) -> str:
        return shown(self.percent_to_date)


@dataclass(frozen=True)
class Fulfilment:
    rows: list[FulfilmentRow]
    total: FulfilmentRow
    kinds: list[tuple[str, str]]


def _lesson_counts(scope: Scope) -> list[dict]:
    """Lessons of the classes in scope (and their subgroups) within each class's span up to today,
    counted by class, group, subject, conducting teacher, lesson type and cancellation."""
    ranges: dict[tuple, list[int]] = {}
    for grade in scope.grades:
        span = scope.span(grade)
        ends_on = min(span.ends_on, scope.today)
        if ends_on >= span.starts_on:
            ranges.setdefault((span.starts_on, ends_on), []).append(grade)
    if not ranges:
        return []
    within = reduce(operator.or_, (Q(date__range=dates, owner_grade__in=grades) for dates, grades in ranges.items()))
    class_ids = [class_unit.pk for class_unit in scope.classes]
    return list(
        Lesson.objects.filter(Q(class_unit__in=class_ids) | Q(study_group__class_unit__in=class_ids))
        .annotate(
            owner_class=Coalesce("class_unit", "study_group__class_unit"),
            owner_grade=Coalesce("class_unit__grade_level", "study_group__class_unit__grade_level"),
            conductor=Coalesce("substitute", "teacher"),
        )
        .filter(within)
        .values("owner_class", "study_group", "subject", "conductor", "kind", "is_cancelled")
        .annotate(lessons=Count("pk"), substituted=Count("pk", filter=Q(substitute__isnull=False)))
        .order_by()
    )


def fulfilment_for(scope: Scope, grouping: str) -> Fulfilment:
    counts = _lesson_counts(scope)
    journals = scope.journals((row["owner_class"], row["study_group"], row["subject"]) for row in counts)
    classes = {class_unit.pk: class_unit for class_unit in scope.classes}
    teachers = {journal.teacher.pk: journal.teacher for journal in journals if journal.teacher is not None}
    if grouping == Grouping.TEACHER:
        missing = {row["conductor"] for row in counts} - set(teachers)
        teachers.update((employee.pk, employee) for employee in Employee.objects.filter(pk__in=missing))
    rows: dict[object, FulfilmentRow] = {}

    def row_of(**where) -> FulfilmentRow:
        group = scope.group_of(grouping, **where)
        return rows.setdefault(group.key, FulfilmentRow(group))

    for journal in journals:
        if not journal.carries_plan:
            continue
        class_unit = journal.class_unit
        planned = scope.planned(class_unit, journal.subject_id)
        row = row_of(class_unit=class_unit, subject_id=journal.subject_id, teacher=journal.teacher)
        row.planned += planned
        row.planned_to_date += planned * scope.passed_share(class_unit.grade_level)
    for count in counts:
        row = row_of(
            class_unit=classes[count["owner_class"]],
            subject_id=count["subject"],
            teacher=teachers.get(count["conductor"]),
        )
        if count["is_cancelled"]:
            row.cancelled += count["lessons"]
            continue
        row.held += count["lessons"]
        row.substituted += count["substituted"]
        row.by_kind[count["kind"]] += count["lessons"]
    ordered = sorted(rows.values(), key=lambda row: row.group.sort)
    total = FulfilmentRow(total_group())
    for row in ordered:
        total.add(row)
    return Fulfilment(rows=ordered, total=total, kinds=[(kind, str(label)) for kind, label in LESSON_KINDS])
