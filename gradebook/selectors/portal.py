"""What the portal's pages show. Selectors take objects the access policy has already let through,
and read them in a bounded number of queries whatever the size of the school."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import ClassMembership, ClassUnit, Employee, Guardianship, School, Student, TeachingAssignment


@dataclass(frozen=True)
class TeacherLine:
    subject: str
    teacher: Employee
    group: str | None


@dataclass(frozen=True)
class StudentOverview:
    student: Student
    class_unit: ClassUnit | None
    teachers: list[TeacherLine]
    guardians: list[Guardianship]


def _current_memberships(on: datetime.date) -> Prefetch:
    return Prefetch(
        "class_memberships",
        queryset=ClassMembership.objects.current(on).select_related(
            "class_unit__class_teacher", "class_unit__school_year"
        ),
        to_attr="current_memberships",
    )


def current_class(student: Student) -> ClassUnit | None:
    """The class of a student loaded with ``students_with_class``."""
    memberships = getattr(student, "current_memberships", None)
    return memberships[0].class_unit if memberships else None


def students_with_class(students: QuerySet[Student], on: datetime.date) -> list[Student]:
    """Students with their school and current class (and its class teacher): two queries."""
    return list(
        students.select_related("school").prefetch_related(_current_memberships(on)).order_by("surname", "name")
    )


def student_overview(student: Student, on: datetime.date) -> StudentOverview:
    """The child's school, class, class teacher, teachers by subject and guardians."""
    membership = (
        ClassMembership.objects.current(on)
        .filter(student=student)
        .select_related("class_unit__class_teacher", "class_unit__school_year")
        .first()
    )
    class_unit = membership.class_unit if membership else None
    groups = student.group_memberships.current(on).values("group")
    assignments = (
        TeachingAssignment.objects.current(on)
        .filter(Q(class_unit=class_unit) | Q(study_group__in=groups) if class_unit else Q(study_group__in=groups))
        .select_related("subject", "teacher", "study_group")
        .order_by("subject__name", "study_group__name")
    )
    teachers = [
        TeacherLine(
            subject=assignment.subject.name,
            teacher=assignment.teacher,
            group=assignment.study_group.name if assignment.study_group else None,
        )
        for assignment in assignments
    ]
    guardians = list(
        Guardianship.objects.current(on).filter(student=student).select_related("guardian").order_by("starts_on")
    )
    return StudentOverview(student=student, class_unit=class_unit, teachers=teachers, guardians=guardians)


def classes_with_counts(classes: QuerySet[ClassUnit], on: datetime.date) -> QuerySet[ClassUnit]:
    """Classes with their school year, class teacher and the number of students today."""
    return (
        classes.select_related("school_year__school", "class_teacher")
        .annotate(
            student_count=Count(
                "memberships",
                filter=Q(memberships__starts_on__lte=on)
                & (Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=on)),
                distinct=True,
            )
        )
        .order_by("school_year__school__name", "grade_level", "letter")
    )


def class_roster(class_unit: ClassUnit, on: datetime.date) -> list[Student]:
    """The students of a class today, with their guardians."""
    return list(
        Student.objects.filter(pk__in=class_unit.memberships.current(on).values("student"))
        .prefetch_related(
            Prefetch(
                "guardianships",
                queryset=Guardianship.objects.current(on).select_related("guardian"),
                to_attr="current_guardianships",
            )
        )
        .order_by("surname", "name")
    )


def class_teachers(class_unit: ClassUnit, on: datetime.date) -> QuerySet[TeachingAssignment]:
    return (
        TeachingAssignment.objects.current(on)
        .filter(Q(class_unit=class_unit) | Q(study_group__class_unit=class_unit))
        .select_related("subject", "teacher", "study_group")
        .order_by("subject__name", "study_group__name")
    )


@dataclass(frozen=True)
class SchoolSummary:
    school: School
    classes: list[ClassUnit]
    student_count: int
    teacher_count: int
    guardian_count: int


def school_summaries(schools: QuerySet[School], on: datetime.date) -> list[SchoolSummary]:
    """Per school: its classes of the current year with their sizes, and the head counts."""
    schools = list(
        schools.annotate(
            teacher_count=Count(
                "employees", filter=Q(employees__is_teacher=True, employees__is_active=True), distinct=True
            ),
            guardian_count=Count("guardians", distinct=True),
        )
    )
    classes = classes_with_counts(
        ClassUnit.objects.filter(
            school_year__school__in=schools, school_year__starts_on__lte=on, school_year__ends_on__gte=on
        ),
        on,
    )
    by_school: dict[int, list[ClassUnit]] = {school.pk: [] for school in schools}
    for class_unit in classes:
        by_school[class_unit.school_year.school_id].append(class_unit)
    return [
        SchoolSummary(
            school=school,
            classes=by_school[school.pk],
            student_count=sum(c.student_count for c in by_school[school.pk]),
            teacher_count=school.teacher_count,
            guardian_count=school.guardian_count,
        )
        for school in schools
    ]
