"""What the administrator's view of the personal data access log shows, in a bounded number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Employee, PersonalDataAccess

PAGE_SIZE = 50

# The pages that write to the log, as the administrator reads them.
WHAT_LABELS = {
    "gradebook:student-detail": _("student's page"),
    "gradebook:class-detail": _("class roster with guardians"),
}


@dataclass(frozen=True)
class AccessLine:
    entry: PersonalDataAccess
    viewer_name: str
    what_label: str


def access_log_page(entries: QuerySet[PersonalDataAccess], page_number) -> tuple[Page, list[AccessLine]]:
    """One page of the log, newest first, with the student and the viewer's name: three queries
    (the count, the page, the viewers' employee profiles) whatever the size of the page."""
    entries = entries.select_related("student", "viewer").order_by("-created_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    names = {}
    if rows:
        profiles = Employee.objects.filter(
            user_id__in={row.viewer_id for row in rows}, school_id__in={row.school_id for row in rows}
        ).only("user_id", "school_id", "surname", "name", "patronymic")
        names = {(profile.user_id, profile.school_id): profile.full_name for profile in profiles}
    lines = [
        AccessLine(
            entry=row,
            viewer_name=names.get((row.viewer_id, row.school_id)) or row.viewer.username,
            what_label=str(WHAT_LABELS.get(row.what, row.what)),
        )
        for row in rows
    ]
    return page, lines
