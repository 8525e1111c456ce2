"""What the external portal may see: only children of families whose consent allows it."""

from __future__ import annotations

from django.utils import timezone

from consent.delivery import PORTAL, delivery_for_many
from consent.models import ConsentRecord
from gradebook.models import Guardianship, School


def portal_student_ids(*, school: School, today=None) -> set[int]:
    """Ids of the school's students with at least one current, unrestricted guardian whose channels include the portal.

    Five queries however many students: the guardianships, then consent's bulk ``delivery_for_many``."""
    today = today or timezone.localdate()
    pairs = list(
        Guardianship.objects.unrestricted(today).filter(student__school=school).values_list("guardian_id", "student_id")
    )
    if not pairs:
        return set()
    channels = delivery_for_many(pairs)
    return {student_id for (guardian_id, student_id), found in channels.items() if PORTAL in found}


def students_decided_since(*, school: School, since):
    """Ids (a subquery) of the school's students with a consent decision recorded since ``since``."""
    return ConsentRecord.objects.filter(school=school, created_at__gte=since).values("student_id")
