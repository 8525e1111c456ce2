"""Who read the diary: a family's confirmations of its weeks, and the class teacher's overview of a class
(per family, which of the last weeks were confirmed; which families have read nothing for two weeks).

"Read" is a confirmation of a week, or an alert opened in the cabinet: a family with neither in the last
``SILENT_AFTER`` is silent. Families with electronic access only: the others are told on paper.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max

from gradebook.models import ClassMembership, ClassUnit, Guardian, Guardianship, Student

from ..models import Notification, ReadConfirmation
from ..services.read_confirmations import monday_of

WEEKS_SHOWN = 6
SILENT_AFTER = datetime.timedelta(days=14)


def confirmations_of(guardian: Guardian, student: Student, weeks: list[datetime.date]) -> dict:
    """The guardian's confirmations of these weeks of the child, by week start (one query)."""
    rows = ReadConfirmation.objects.filter(guardian=guardian, student=student, week_start__in=weeks)
    return {row.week_start: row for row in rows}


@dataclass(frozen=True)
class WeekCell:
    week_start: datetime.date
    confirmation: ReadConfirmation | None


@dataclass(frozen=True)
class FamilyReading:
    guardian: Guardian
    student: Student
    weeks: list[WeekCell]
    last_read: datetime.datetime | None
    silent: bool


@dataclass(frozen=True)
class ClassReading:
    class_unit: ClassUnit
    weeks: list[datetime.date]
    families: list[FamilyReading]

    @property
    def silent(self) -> list[FamilyReading]:
        return [family for family in self.families if family.silent]


def class_reading(*, class_unit: ClassUnit, today: datetime.date, now: datetime.datetime) -> ClassReading:
    """Per family of the class's current students (guardian × child with electronic access), the last
    ``WEEKS_SHOWN`` weeks' confirmations, newest first, and whether it is silent: four queries."""
    weeks = [monday_of(today) - datetime.timedelta(weeks=back) for back in range(WEEKS_SHOWN)]
    members = ClassMembership.objects.current(today).filter(class_unit=class_unit).values("student")
    links = list(
        Guardianship.objects.with_access(today)
        .filter(student__in=members)
        .select_related("guardian", "student")
        .order_by("student__surname", "student__name", "student_id", "guardian__surname", "guardian_id")
    )
    guardian_ids = {link.guardian_id for link in links}
    student_ids = {link.student_id for link in links}
    of_families = {"guardian_id__in": guardian_ids, "student_id__in": student_ids}
    confirmed = {
        (row.guardian_id, row.student_id, row.week_start): row
        for row in ReadConfirmation.objects.filter(**of_families, week_start__gte=weeks[-1])
    }
    last_confirmed = _latest(ReadConfirmation.objects.filter(**of_families), "confirmed_at")
    last_opened = _latest(Notification.objects.filter(**of_families, read_at__isnull=False), "read_at")
    families, seen = [], set()
    for link in links:
        pair = (link.guardian_id, link.student_id)
        if pair in seen:
            continue
        seen.add(pair)
        moments = [moment for moment in (last_confirmed.get(pair), last_opened.get(pair)) if moment]
        last_read = max(moments) if moments else None
        families.append(
            FamilyReading(
                guardian=link.guardian,
                student=link.student,
                weeks=[WeekCell(week, confirmed.get((*pair, week))) for week in weeks],
                last_read=last_read,
                silent=last_read is None or last_read < now - SILENT_AFTER,
            )
        )
    return ClassReading(class_unit=class_unit, weeks=weeks, families=families)


def _latest(queryset, field: str) -> dict[tuple[int, int], datetime.datetime]:
    """The latest ``field`` of the rows per (guardian id, student id) (one query)."""
    rows = queryset.values("guardian_id", "student_id").annotate(last=Max(field)).order_by()
    return {(row["guardian_id"], row["student_id"]): row["last"] for row in rows}
