"""The weekly batch of a class: one PDF with the extracts of the students whose families are on paper,
each student starting on a new page, stored with its checksum; the register's rows point at each
student's first page.

Idempotent: a class's batch of a week is generated once (``WeeklyBatch`` is unique per class and week);
running again returns the batch already there and changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.delivery import PAPER, delivery_for_many
from gradebook.models import ClassMembership, ClassUnit, Guardianship, SchoolYear, Student

from ..models import ExtractRecord, WeeklyBatch

logger = logging.getLogger(__name__)


class WeekOutsideYear(ValueError):
    """A week that no school year of the school covers: nothing to print for it."""


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_end_of(week_start: datetime.date) -> datetime.date:
    return week_start + datetime.timedelta(days=6)


def school_year_of_week(school_id: int, week_start: datetime.date) -> SchoolYear:
    """The school year the week belongs to (any of its days inside the year), or ``WeekOutsideYear``."""
    year = (
        SchoolYear.objects.filter(school_id=school_id, starts_on__lte=week_end_of(week_start), ends_on__gte=week_start)
        .order_by("-starts_on")
        .first()
    )
    if year is None:
        raise WeekOutsideYear(_("The week of %(day)s is outside the school year.") % {"day": f"{week_start:%d.%m.%Y}"})
    return year


def _links_day(week_start: datetime.date) -> datetime.date:
    """The day whose guardianships count for the week: today inside the week, else the week's edge."""
    return min(max(timezone.localdate(), week_start), week_end_of(week_start))


def paper_student_ids(student_ids: Iterable[int], week_start: datetime.date) -> set[int]:
    """Of these students, those whose family is on paper that week: a current guardian (unrestricted link)
    whose channels include paper, or no such guardian at all. Five queries whatever the number."""
    student_ids = set(student_ids)
    if not student_ids:
        return set()
    links = list(
        Guardianship.objects.unrestricted(_links_day(week_start))
        .filter(student_id__in=student_ids)
        .values_list("guardian_id", "student_id")
    )
    channels = delivery_for_many(links)
    with_guardian = {student_id for _guardian, student_id in links}
    on_paper = {student_id for (_guardian, student_id), found in channels.items() if PAPER in found}
    return on_paper | (student_ids - with_guardian)


def _members_in_week(class_ids: Iterable[int], week_start: datetime.date):
    return ClassMembership.objects.filter(
        class_unit_id__in=list(class_ids), starts_on__lte=week_end_of(week_start)
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=week_start))


def paper_students_by_class(class_ids: Iterable[int], week_start: datetime.date) -> dict[int, list[Student]]:
    """Class id → its students on paper that week (members on any day of it), by name. A fixed number of
    queries for any number of classes."""
    pairs = list(_members_in_week(class_ids, week_start).values_list("class_unit_id", "student_id"))
    on_paper = paper_student_ids({student_id for _class, student_id in pairs}, week_start)
    students = {student.pk: student for student in Student.objects.filter(pk__in=on_paper).select_related("school")}
    result: dict[int, list[Student]] = {}
    for class_id, student_id in pairs:
        if student_id in students:
            result.setdefault(class_id, [])
            if students[student_id] not in result[class_id]:
                result[class_id].append(students[student_id])
    for members in result.values():
        members.sort(key=lambda s: (s.surname, s.name, s.patronymic, s.pk))
    return result


def paper_students_of(class_unit: ClassUnit, week_start: datetime.date) -> list[Student]:
    """The students of the class that week whose family is on paper, by name."""
    return paper_students_by_class([class_unit.pk], week_start).get(class_unit.pk, [])


def _render(*, students: list[Student], week_start: datetime.date):
    from ..documents.extract import render_extracts

    return render_extracts(students=students, week_start=week_start)


def extract_pdf(*, student: Student, week_start: datetime.date) -> bytes:
    """One student's extract of a week, on demand (the register is not touched)."""
    school_year_of_week(student.school_id, week_start)
    return _render(students=[student], week_start=week_start).pdf


@transaction.atomic
def weekly_batch_generate(*, class_unit: ClassUnit, week_start: datetime.date, by=None) -> WeeklyBatch | None:
    """The class's batch of the week (``week_start`` a Monday): generated and registered once, returned as it
    is on every later call. None when no family of the class is on paper that week."""
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    # One generator per class at a time: a second waits here, then finds the batch.
    class_unit = ClassUnit.objects.select_for_update().select_related("school_year__school").get(pk=class_unit.pk)
    existing = WeeklyBatch.objects.filter(class_unit=class_unit, week_start=week_start).first()
    if existing is not None:
        return existing
    school = class_unit.school_year.school
    school_year_of_week(school.pk, week_start)
    # A student already registered this week (moved from another class) keeps their first extract.
    students = paper_students_of(class_unit, week_start)
    registered = set(
        ExtractRecord.objects.filter(week_start=week_start, student_id__in=[s.pk for s in students]).values_list(
            "student_id", flat=True
        )
    )
    students = [student for student in students if student.pk not in registered]
    if not students:
        return None
    rendered = _render(students=students, week_start=week_start)
    pages = max((first + count - 1 for first, count in rendered.pages.values()), default=0)
    batch = WeeklyBatch(
        school=school,
        class_unit=class_unit,
        week_start=week_start,
        checksum=hashlib.sha256(rendered.pdf).hexdigest(),
        pages=pages,
        generated_by=by,
    )
    batch.file.save("batch.pdf", ContentFile(rendered.pdf), save=False)
    name = batch.file.name
    try:
        batch.save()
        ExtractRecord.objects.bulk_create(
            ExtractRecord(
                school=school,
                student=student,
                week_start=week_start,
                batch=batch,
                first_page=rendered.pages[student.pk][0],
                page_count=rendered.pages[student.pk][1],
            )
            for student in students
        )
    except Exception:
        batch.file.storage.delete(name)
        raise
    logger.info("printouts: batch %s of class %s, week %s: %s pages", batch.pk, class_unit.pk, week_start, pages)
    return batch
