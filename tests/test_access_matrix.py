"""Every URL name of the project × every role → the expected answer.

200 opens, 302 sends to the login page (anonymous), 403 closes a route to all of the user's
roles, 404 hides an object outside the user's scope. Admin and allauth URLs aside; a meta-test
fails when a URL name has no row. Later issues add their URLs here.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import ROLES, user_for

OK, LOGIN, FORBIDDEN, NOT_FOUND, REDIRECT = 200, 302, 403, 404, "redirect"


@dataclass
class Row:
    """How one URL answers each role; ``default`` for the roles not named."""

    default: object
    kwargs: object = None  # a function of the world giving the URL's kwargs
    method: str = "get"
    data: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)

    def expected(self, role: str):
        if role == "anonymous" and "anonymous" not in self.roles:
            return LOGIN
        return self.roles.get(role, self.default)


def _parent_phone(world):
    """An unconfirmed phone the parent entered (consent's contact pages address it by id)."""
    from consent.models import ContactPoint

    return ContactPoint.objects.create(guardian=world.parent, kind="phone", phone="+79161234567", provenance="self")


def _scanned_record(world):
    """A consent record with its scan (written under the test's MEDIA_ROOT, see ``_media_in_tmp``)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import record_decision

    return record_decision(world.parent, world.student, scan=SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rows that upload a file (a consent scan) write it under the test's own directory."""
    settings.MEDIA_ROOT = tmp_path


MATRIX: dict[str, Row] = {
    "gradebook:healthz": Row(OK, roles={"anonymous": OK}),
    "gradebook:home": Row(REDIRECT),
    "gradebook:role-switch": Row(REDIRECT, method="post", data={"role": "guardian"}),
    "gradebook:children": Row(FORBIDDEN, roles={"parent": OK, "other_parent": OK}),
    "gradebook:student-detail": Row(
        NOT_FOUND,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={"parent": OK, "student": OK, "teacher": OK, "class_teacher": OK, "admin": OK, "staff": OK},
    ),
    "gradebook:class-list": Row(
        OK, roles=dict.fromkeys(("parent", "other_parent", "student", "other_student"), FORBIDDEN)
    ),
    "gradebook:class-detail": Row(
        NOT_FOUND,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={
            **dict.fromkeys(("parent", "other_parent", "student", "other_student"), FORBIDDEN),
            **dict.fromkeys(("teacher", "class_teacher", "admin", "staff"), OK),
        },
    ),
    "gradebook:school-overview": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "gradebook:access-log": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "set_language": Row(REDIRECT, method="post", data={"language": "en"}, roles={"anonymous": REDIRECT}),
    "gradebook:activate": Row(OK, roles={"anonymous": OK}),
    "gradebook:activate-link": Row(OK, kwargs=lambda w: {"secret": "not-a-real-secret"}, roles={"anonymous": OK}),
    # consent: the parent's contacts and notifications; the school's contact pages
    "consent:family-contacts": Row(FORBIDDEN, roles={"parent": OK, "other_parent": OK}),
    "consent:family-preferences": Row(FORBIDDEN, roles={"parent": OK, "other_parent": OK}),
    "consent:contact-verify-link": Row(OK, kwargs=lambda w: {"secret": "not-a-real-secret"}, roles={"anonymous": OK}),
    "consent:contact-verify-code": Row(
        FORBIDDEN, kwargs=lambda w: {"pk": _parent_phone(w).pk}, roles={"parent": OK, "other_parent": NOT_FOUND}
    ),
    "consent:family-contact-remove": Row(
        FORBIDDEN, kwargs=lambda w: {"pk": _parent_phone(w).pk}, roles={"parent": OK, "other_parent": NOT_FOUND}
    ),
    "consent:contact-list": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.parent.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:contact-create": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.parent.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:contact-remove": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.parent.public_id, "pk": _parent_phone(w).pk},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:paper-preference": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.parent.public_id, "student_public_id": w.student.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    # consent: the staff's registry (staff and administrators of the child's school)
    "consent:family-search": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "consent:undecided": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "consent:paper": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "consent:withdrawals": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "consent:student-consent": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:record-create": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:form-pdf": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "consent:record-scan": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": _scanned_record(w).public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:account-list": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "gradebook:account-invite": Row(
        FORBIDDEN,
        kwargs=lambda w: {"kind": "student", "public_id": w.student.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
}


def project_url_names() -> set[str]:
    """Every named URL of the project, admin and allauth aside."""
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_module, "__name__", "")
                if pattern.app_name == "admin" or module.startswith("allauth"):
                    continue
                ns = pattern.namespace
                walk(pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_url_name_has_a_row():
    missing = project_url_names() - set(MATRIX)
    assert not missing, f"URL names without a row in the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - project_url_names()
    assert not stale, f"rows for URL names that no longer exist: {sorted(stale)}"


CASES = [(name, role) for name in sorted(MATRIX) for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(client, world, name, role):
    row = MATRIX[name]
    user = user_for(world, role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)
    response = getattr(client, row.method)(url, row.data)
    expected = row.expected(role)
    if expected == REDIRECT:
        assert response.status_code == 302, (name, role, response.status_code)
        assert not response["Location"].startswith(reverse("account_login")), (name, role)
        return
    assert response.status_code == expected, (name, role, response.status_code)
    if expected == LOGIN:
        assert response["Location"].startswith(reverse("account_login")), response["Location"]
