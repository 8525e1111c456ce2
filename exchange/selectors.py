"""What the external portal may see: only children of families whose consent allows it."""

from __future__ import annotations

from django.utils import timezone

from consent.delivery import PORTAL, delivery_for_many
from consent.models import ConsentRecord
from gradebook.models import Guardianship, School


def _portal_students(links) -> set[int]:
    """Of the (guardian, student) links given, the students some of whose guardians' channels include the portal:
    consent's bulk ``delivery_for_many``."""
    pairs = list(links.values_list("guardian_id", "student_id"))
    if not pairs:
        return set()
    return {student_id for (_guardian_id, student_id), found in delivery_for_many(pairs).items() if PORTAL in found}


def portal_student_ids(*, school: School, today=None) -> set[int]:
    """Ids of the school's students with at least one current, unrestricted guardian whose channels include the portal.

    Five queries however many students: the guardianships, then consent's bulk ``delivery_for_many``."""
    links = Guardianship.objects.unrestricted(today or timezone.localdate()).filter(student__school=school)
    return _portal_students(links)


def portal_allowed(student_id: int) -> bool:
    """Whether consent lets the external portal show some family of the child (a legal guardian's consent)."""
    links = Guardianship.objects.unrestricted(timezone.localdate()).filter(student_id=student_id)
    return student_id in _portal_students(links)


def students_decided_since(*, school: School, since):
    """Ids (a subquery) of the school's students with a consent decision recorded since ``since``."""
    return ConsentRecord.objects.filter(school=school, created_at__gte=since).values("student_id")
