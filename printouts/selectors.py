"""What the printouts pages show: the weekly batches of the user's classes, a batch's register, the
compliance list (paper families without an extract handed over this week) and a family's history.

Scoping goes through ``gradebook.access`` (which classes and students the user keeps)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from gradebook import access
from gradebook.models import ClassUnit, Student

from .models import ExtractRecord, WeeklyBatch
from .services.batches import paper_students_by_class, week_end_of


def batches_visible_to(user) -> QuerySet[WeeklyBatch]:
    return WeeklyBatch.objects.filter(class_unit__in=access.extract_classes_visible_to(user))


def records_visible_to(user) -> QuerySet[ExtractRecord]:
    return ExtractRecord.objects.filter(batch__class_unit__in=access.extract_classes_visible_to(user))


def classes_of_week(user, week_start: datetime.date) -> list[ClassUnit]:
    """The user's classes of the school year(s) that cover the week, by school and name."""
    return list(
        access.extract_classes_visible_to(user)
        .filter(school_year__starts_on__lte=week_end_of(week_start), school_year__ends_on__gte=week_start)
        .select_related("school_year__school", "class_teacher")
        .order_by("school_year__school__name", "grade_level", "letter")
    )


@dataclass
class ClassWeek:
    class_unit: ClassUnit
    batch: WeeklyBatch | None


def class_weeks(user, week_start: datetime.date) -> list[ClassWeek]:
    """This week's batch (or none yet) of each of the user's classes: two queries."""
    classes = classes_of_week(user, week_start)
    batches = {
        batch.class_unit_id: batch
        for batch in WeeklyBatch.objects.filter(class_unit__in=[c.pk for c in classes], week_start=week_start)
    }
    return [ClassWeek(class_unit=c, batch=batches.get(c.pk)) for c in classes]


def earlier_batches(user, week_start: datetime.date, limit: int = 50) -> list[WeeklyBatch]:
    return list(
        batches_visible_to(user)
        .filter(week_start__lt=week_start)
        .select_related("class_unit__school_year")
        .order_by("-week_start", "class_unit__grade_level", "class_unit__letter")[:limit]
    )


def batch_records(batch: WeeklyBatch) -> list[ExtractRecord]:
    return list(batch.records.select_related("student", "recorded_by").order_by("first_page", "student__surname", "pk"))


@dataclass
class ComplianceRow:
    class_unit: ClassUnit
    student: Student
    record: ExtractRecord | None


def compliance_rows(user, week_start: datetime.date) -> list[ComplianceRow]:
    """The paper families of the user's classes without an extract handed over in the week (those not
    delivered are listed with their reason): a fixed number of queries."""
    classes = classes_of_week(user, week_start)
    by_class = paper_students_by_class([c.pk for c in classes], week_start)
    student_ids = {s.pk for students in by_class.values() for s in students}
    records = {
        r.student_id: r
        for r in ExtractRecord.objects.filter(week_start=week_start, student_id__in=student_ids).select_related("batch")
    }
    rows = []
    for class_unit in classes:
        for student in by_class.get(class_unit.pk, []):
            record = records.get(student.pk)
            if record is None or record.status != ExtractRecord.Status.HANDED_OVER:
                rows.append(ComplianceRow(class_unit=class_unit, student=student, record=record))
    return rows


def student_history(student: Student) -> list[ExtractRecord]:
    return list(
        ExtractRecord.objects.filter(student=student)
        .select_related("batch__class_unit", "recorded_by")
        .order_by("-week_start")
    )
