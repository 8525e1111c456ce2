"""Who belongs to a class or a study group on a day: the students a lesson, a control work or an alert
about them concerns."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from ..models import ClassMembership, Student, StudyGroupMembership


def students_on(
    *, class_unit_id: int | None = None, study_group_id: int | None = None, on: datetime.date
) -> QuerySet[Student]:
    """The students of the class (or, without one, of the study group) on the day: one query when read."""
    if class_unit_id:
        members = ClassMembership.objects.current(on).filter(class_unit_id=class_unit_id)
    else:
        members = StudyGroupMembership.objects.current(on).filter(group_id=study_group_id)
    return Student.objects.filter(pk__in=members.values("student"))
