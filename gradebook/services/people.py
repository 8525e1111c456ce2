"""Writes on the school's people that other apps ask gradebook to make."""

from collections.abc import Iterable

from django.db import transaction

from ..models import Guardianship, Student


@transaction.atomic
def electronic_access_apply(*, student: Student, guardians: dict[int, bool], own_cabinet: bool) -> None:
    """Set whether each guardian (by id) and the student themselves may see the child's data.

    The consent registry calls this in the transaction of each of its records; the access policy
    reads only these flags.
    """
    for allowed in (True, False):
        ids = [guardian_id for guardian_id, value in guardians.items() if value is allowed]
        if ids:
            Guardianship.objects.filter(student=student, guardian_id__in=ids).exclude(electronic_access=allowed).update(
                electronic_access=allowed
            )
    Student.objects.filter(pk=student.pk).exclude(electronic_access=own_cabinet).update(electronic_access=own_cabinet)
    student.electronic_access = own_cabinet


@transaction.atomic
def electronic_access_grant_bulk(*, guardianship_ids: Iterable[int], student_ids: Iterable[int]) -> None:
    """Open many links and students' own cabinets at once (a registry loaded in bulk: the demo, an import)."""
    Guardianship.objects.filter(pk__in=list(guardianship_ids)).update(electronic_access=True)
    Student.objects.filter(pk__in=list(student_ids)).update(electronic_access=True)
