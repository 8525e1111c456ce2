"""Who did something, by name: the employee behind a user, for the pages that show who recorded what."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Employee, School


def employee_names(*, school: School, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The short names (Иванова А. П.) of the school's employees with these logins: one query, none for no ids."""
    wanted = {user_id for user_id in user_ids if user_id}
    if not wanted:
        return {}
    return {
        employee.user_id: employee.short_name for employee in Employee.objects.filter(school=school, user_id__in=wanted)
    }
