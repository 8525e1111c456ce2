"""Tombstones: what was deleted, so that a client's incremental sync (``updated_since``) can drop it too.

A tombstone is written in the deleting transaction, and only for schools with an active API client: a
client added later starts with a full sync, which needs none. They are kept ``RETENTION_DAYS``; a cursor
older than that is refused (the client syncs in full), so that a deletion is never silently missed.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from gradebook.models import (
    Attendance,
    ClassUnit,
    ControlWork,
    FinalMark,
    Holiday,
    Homework,
    Lesson,
    Mark,
    Recommendation,
    Student,
    StudyGroup,
    TimetableEntry,
)

from .models import ApiClient, Deletion

RETENTION_DAYS = 400  # more than a school year: a client that syncs at least once a year never loses one

MARK = "mark"
ATTENDANCE = "attendance"
# The API's resources by the model behind them: the name of their tombstones. Marks and attendance are
# addressed by their lesson and student (see ``Deletion.key``), the others by their public id.
RESOURCES = {
    Student: "student",
    ClassUnit: "class",
    StudyGroup: "group",
    TimetableEntry: "timetable",
    Lesson: "lesson",
    Homework: "homework",
    ControlWork: "control_work",
    FinalMark: "final",
    Recommendation: "recommendation",
    Holiday: "holiday",
    Mark: MARK,
    Attendance: ATTENDANCE,
}


def tombstones_write(*, school_id: int, resource: str, keys: list[dict]) -> int:
    """Record the deletion of ``keys`` (JSON-ready dicts) of a resource; one query when the school has no client."""
    if not keys or not ApiClient.objects.filter(school_id=school_id, is_active=True).exists():
        return 0
    rows = [Deletion(school_id=school_id, resource=resource, key=key) for key in keys]
    return len(Deletion.objects.bulk_create(rows, batch_size=1000))


def tombstones_since(*, school_id: int, resource: str, since: datetime.datetime) -> list[dict]:
    return list(
        Deletion.objects.filter(school_id=school_id, resource=resource, deleted_at__gte=since)
        .order_by("deleted_at", "pk")
        .values_list("key", flat=True)
    )


def oldest_cursor(now: datetime.datetime | None = None) -> datetime.datetime:
    """The oldest ``updated_since`` whose deletions are all still kept."""
    return (now or timezone.now()) - datetime.timedelta(days=RETENTION_DAYS)


def tombstones_prune(now: datetime.datetime | None = None) -> int:
    deleted, _by_model = Deletion.objects.filter(deleted_at__lt=oldest_cursor(now)).delete()
    return deleted
