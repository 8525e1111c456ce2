"""The school's list of people and their logins, for administrators and staff.

Students, guardians and employees come from three tables; the list reads them as one
``UNION ALL`` of narrow rows (one query for the count, one for the page), whatever the size of
the school.
"""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import BooleanField, Case, CharField, F, Q, QuerySet, Value, When

from ..services.accounts import LoginStatus

_LOGIN_STATUS = Case(
    When(user__isnull=True, then=Value(LoginStatus.NONE.value)),
    When(user__is_active=False, then=Value(LoginStatus.DEACTIVATED.value)),
    When(user__password__startswith=UNUSABLE_PASSWORD_PREFIX, then=Value(LoginStatus.INVITED.value)),
    default=Value(LoginStatus.ACTIVE.value),
    output_field=CharField(),
)

# What "without login" means to the school: nobody signs in with it yet.
NOT_SIGNING_IN = (LoginStatus.NONE, LoginStatus.INVITED)


def _rows(people: QuerySet, kind: str, *, login: str, query: str) -> QuerySet:
    is_active = F("is_active") if kind == "employee" else Value(True, output_field=BooleanField())
    rows = people.values("public_id", "surname", "name", "patronymic", "school_id").annotate(
        kind=Value(kind, output_field=CharField()),
        school_name=F("school__short_name"),
        username=F("user__username"),
        login=_LOGIN_STATUS,
        person_active=is_active,
    )
    if login == "without":
        rows = rows.filter(login__in=NOT_SIGNING_IN)
    elif login:
        rows = rows.filter(login=login)
    if query:
        rows = rows.filter(Q(surname__istartswith=query) | Q(user__username__istartswith=query))
    return rows.order_by()  # the union is ordered as a whole (SQLite refuses ordered parts)


def person_rows(people_by_kind: dict[str, QuerySet], *, login: str = "", query: str = "") -> QuerySet:
    """One row per person (dicts: kind, public_id, names, school, username, login status), ordered by name.

    ``people_by_kind`` maps a kind to the people the viewer may see (from the access policy).
    """
    parts = [_rows(people, kind, login=login, query=query.strip()) for kind, people in people_by_kind.items()]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return rows.order_by("surname", "name", "patronymic", "kind", "public_id")
