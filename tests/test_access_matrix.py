"""Every URL name of the project × every role → the expected answer.

200 opens, 302 sends to the login page (anonymous), 403 closes a route to all of the user's
roles, 404 hides an object outside the user's scope. Admin and allauth URLs aside; a meta-test
fails when a URL name has no row. Later issues add their URLs here.
"""

import datetime
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


def _homework_file(world):
    """A file of the homework given at a maths lesson of 5А today (written under the test's MEDIA_ROOT)."""
    from .factories import HomeworkFileFactory, LessonFactory

    lesson = LessonFactory(
        class_unit=world.class_5a, subject=world.teacher.assignments.get().subject, teacher=world.teacher
    )
    return HomeworkFileFactory(homework__lesson=lesson)


# The family diary: the pattern of the child's page (family, teachers of the class, the school's staff).
DIARY_ROLES = {"parent": OK, "student": OK, "teacher": OK, "class_teacher": OK, "admin": OK, "staff": OK}


def _maths_lesson(world):
    """A maths lesson of 5А today, from the world's teaching assignment."""
    from .factories import LessonFactory

    subject = world.teacher.assignments.get().subject
    return LessonFactory(class_unit=world.class_5a, subject=subject, teacher=world.teacher)


# The teacher's journal: families have no route into it; the lesson's teacher, the class teacher,
# the school's administrator and staff read it (another teacher and another school: 404).
JOURNAL_FAMILIES = ("parent", "other_parent", "student", "other_student")
JOURNAL_READERS = {
    **dict.fromkeys(JOURNAL_FAMILIES, FORBIDDEN),
    **dict.fromkeys(("teacher", "class_teacher", "admin", "staff"), OK),
}


def _reporting_period(world):
    from .factories import ReportingPeriodFactory

    return ReportingPeriodFactory(school_year=world.year)


CONTROL_WORK_PLANNERS = ("teacher", "other_teacher", "class_teacher", "admin", "other_school_admin")
RECOMMENDATION_WRITERS = ("teacher", "other_teacher", "class_teacher")


DEFERRAL_KEEPERS = {"class_teacher": OK, "admin": OK, "other_school_admin": OK}


def _deferral(world):
    """An open deferral of the 5А student's maths final of the first quarter."""
    from .factories import DeferralFactory

    return DeferralFactory(student=world.student, subject=world.math, period=_reporting_period(world))


def _control_work(world):
    """A control work of 5А in the world's teacher's subject."""
    from .factories import ControlWorkFactory

    return ControlWorkFactory(class_unit=world.class_5a, subject=world.teacher.assignments.get().subject)


def _parent_alert(world):
    """An alert in the parent's cabinet about their child, shown now, pointing at the child's marks."""
    from django.utils import timezone

    from notifications.models import Kind, Notification

    return Notification.objects.create(
        school=world.school,
        guardian=world.parent,
        student=world.student,
        kind=Kind.MARK,
        dedupe_key="matrix:alert",
        title="New mark",
        text="5",
        url=f"/students/{world.student.public_id}/marks/",
        not_before=timezone.now(),
    )


def _unsubscribe_token(world):
    from notifications.services.unsubscribe import unsubscribe_token

    return unsubscribe_token(world.parent, world.student)


def _read_confirm_token(world):
    from django.utils import timezone

    from notifications.services.read_confirmations import read_confirm_token

    return read_confirm_token(world.parent, world.student, timezone.localdate())


def _extract_record(world):
    """This week's batch of 5А (a tiny stored file) with the register's row of the 5А student."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from printouts.models import ExtractRecord, WeeklyBatch

    today = timezone.localdate()
    batch = WeeklyBatch(
        school=world.school,
        class_unit=world.class_5a,
        week_start=today - datetime.timedelta(days=today.weekday()),
        checksum="0" * 64,
        pages=1,
    )
    batch.file.save("batch.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return ExtractRecord.objects.create(
        school=world.school, student=world.student, week_start=batch.week_start, batch=batch, first_page=1, page_count=1
    )


# Paper extracts (issue 7, points 2–4): the class teacher of the class and the school's administrators and
# staff keep the batches and the register (other schools 404; families and subject teachers 403).
EXTRACT_KEEPERS = {"class_teacher": OK, "admin": OK, "staff": OK, "other_school_admin": NOT_FOUND}


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
    **{
        name: Row(NOT_FOUND, kwargs=lambda w: {"public_id": w.student.public_id}, roles=DIARY_ROLES)
        for name in (
            "gradebook:diary-week",
            "gradebook:diary-marks",
            "gradebook:diary-timetable",
            "gradebook:diary-control-works",
            "gradebook:diary-holidays",
            "gradebook:diary-recommendations",
            "gradebook:diary-forecast",
            "gradebook:diary-finals",
        )
    },
    "gradebook:homework-file": Row(
        NOT_FOUND,
        kwargs=lambda w: {"public_id": w.student.public_id, "file_public_id": _homework_file(w).public_id},
        roles=DIARY_ROLES,
    ),
    "gradebook:class-list": Row(
        OK, roles=dict.fromkeys(("parent", "other_parent", "student", "other_student"), FORBIDDEN)
    ),
    # The class's forecast (issue 5, point 4): the class page's circle.
    "gradebook:class-forecast": Row(
        NOT_FOUND,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={
            **dict.fromkeys(("parent", "other_parent", "student", "other_student"), FORBIDDEN),
            **dict.fromkeys(("teacher", "class_teacher", "admin", "staff"), OK),
        },
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
    # The timetable (issue 4, points 1–2): staff read, the school's administrators edit.
    "gradebook:bell-schedule": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "gradebook:timetable-list": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "gradebook:timetable-class": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:lessons-generate": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={"admin": OK, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:lesson-changes": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "gradebook:lesson-change-create": Row(
        FORBIDDEN,
        kwargs=lambda w: {"lesson_public_id": _maths_lesson(w).public_id, "kind": "substitution"},
        roles={"admin": OK, "other_school_admin": NOT_FOUND},
    ),
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
    # Control works (issue 4, point 3): teachers plan for their assignments (an administrator for the
    # school); administrators and staff read the schedule.
    "gradebook:control-work-list": Row(FORBIDDEN, roles=dict.fromkeys(CONTROL_WORK_PLANNERS, OK)),
    "gradebook:control-work-create": Row(FORBIDDEN, roles=dict.fromkeys(CONTROL_WORK_PLANNERS, OK)),
    "gradebook:control-work-edit": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": _control_work(w).public_id},
        roles={**dict.fromkeys(CONTROL_WORK_PLANNERS, NOT_FOUND), "teacher": OK, "admin": OK},
    ),
    "gradebook:control-work-cancel": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": _control_work(w).public_id},
        method="post",
        roles={**dict.fromkeys(CONTROL_WORK_PLANNERS, NOT_FOUND), "teacher": REDIRECT, "admin": REDIRECT},
    ),
    "gradebook:control-work-schedule": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    # Recommendations (point 5): teachers and class teachers write to their students.
    "gradebook:recommendation-list": Row(FORBIDDEN, roles=dict.fromkeys(RECOMMENDATION_WRITERS, OK)),
    "gradebook:recommendation-create": Row(FORBIDDEN, roles=dict.fromkeys(RECOMMENDATION_WRITERS, OK)),
    # Timeliness of the journal (point 8): administrators and staff.
    "gradebook:timeliness": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    # The teacher's journal (issue 4, points 4 and 6): teachers, class teachers and the school's staff
    # read a journal; only the lesson's teacher records on it; the administrator reads the history
    # and closes periods.
    "gradebook:journal-list": Row(OK, roles=dict.fromkeys(JOURNAL_FAMILIES, FORBIDDEN)),
    "gradebook:journal": Row(
        NOT_FOUND,
        kwargs=lambda w: {
            "owner_public_id": w.class_5a.public_id,
            "subject_public_id": _maths_lesson(w).subject.public_id,
        },
        roles=JOURNAL_READERS,
    ),
    "gradebook:journal-cell": Row(
        NOT_FOUND,
        method="post",
        data={"value": "н"},
        kwargs=lambda w: {"lesson_public_id": _maths_lesson(w).public_id, "student_public_id": w.student.public_id},
        roles={**JOURNAL_READERS, **dict.fromkeys(("class_teacher", "admin", "staff"), FORBIDDEN), "teacher": REDIRECT},
    ),
    "gradebook:journal-lesson": Row(
        NOT_FOUND, kwargs=lambda w: {"public_id": _maths_lesson(w).public_id}, roles=JOURNAL_READERS
    ),
    "gradebook:journal-homework-file": Row(
        NOT_FOUND, kwargs=lambda w: {"public_id": _homework_file(w).public_id}, roles=JOURNAL_READERS
    ),
    "gradebook:journal-homework-file-remove": Row(
        NOT_FOUND,
        method="post",
        kwargs=lambda w: {"public_id": _homework_file(w).public_id},
        roles={**JOURNAL_READERS, **dict.fromkeys(("class_teacher", "admin", "staff"), FORBIDDEN), "teacher": REDIRECT},
    ),
    "gradebook:lesson-history": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": _maths_lesson(w).public_id},
        roles={"admin": OK, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:student-history": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={"admin": OK, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:period-list": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "gradebook:period-toggle": Row(
        FORBIDDEN,
        method="post",
        kwargs=lambda w: {"public_id": _reporting_period(w).public_id},
        roles={"admin": REDIRECT, "other_school_admin": NOT_FOUND},
    ),
    # Finals (issue 5, points 2 and 3): a journal's finals are read by its readers (set by its teacher
    # and the administrator); deferrals are kept by the class teacher and the administrator; the
    # publication report is the administrator's.
    "gradebook:journal-finals": Row(
        NOT_FOUND,
        kwargs=lambda w: {
            "owner_public_id": w.class_5a.public_id,
            "subject_public_id": _maths_lesson(w).subject.public_id,
        },
        roles=JOURNAL_READERS,
    ),
    "gradebook:finals-publication": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "gradebook:deferral-list": Row(FORBIDDEN, roles=DEFERRAL_KEEPERS),
    "gradebook:deferral-create": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        roles={**DEFERRAL_KEEPERS, "other_school_admin": NOT_FOUND},
    ),
    "gradebook:deferral-extend": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": _deferral(w).public_id},
        roles={**DEFERRAL_KEEPERS, "other_school_admin": NOT_FOUND},
    ),
    # Statistics (issue 5, point 6): administrators only (staff and teachers 403); each administrator reads
    # their own school's (another school's period: 404, in tests/test_statistics.py).
    "gradebook:statistics": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "gradebook:statistics-xlsx": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    # The summary sheet (point 5): the class teacher of the class and the school's administration;
    # other teachers and schools 404, families 403.
    **{
        name: Row(
            NOT_FOUND,
            kwargs=lambda w: {"public_id": w.class_5a.public_id},
            roles={
                **dict.fromkeys(JOURNAL_FAMILIES, FORBIDDEN),
                **dict.fromkeys(("class_teacher", "admin", "staff"), OK),
            },
        )
        for name in ("gradebook:summary-sheet", "gradebook:summary-sheet-xlsx", "printouts:summary-sheet-pdf")
    },
    # The year-end archive of a class's journal (issue 7, point 5): the class teacher and the school's
    # administrators; staff and families 403, other teachers and schools 404.
    "printouts:journal-archive": Row(
        NOT_FOUND,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={**dict.fromkeys((*JOURNAL_FAMILIES, "staff"), FORBIDDEN), "class_teacher": OK, "admin": OK},
    ),
    # Paper extracts (issue 7, points 2–4): batches, the register and the compliance view for the keepers;
    # a student's extract of a week for their own parent (another parent 404) and for the keepers.
    "printouts:batch-list": Row(FORBIDDEN, roles={**EXTRACT_KEEPERS, "other_school_admin": OK}),
    "printouts:batch-generate": Row(
        FORBIDDEN,
        method="post",
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={**dict.fromkeys(("class_teacher", "admin", "staff"), REDIRECT), "other_school_admin": NOT_FOUND},
    ),
    "printouts:batch-detail": Row(
        FORBIDDEN, kwargs=lambda w: {"pk": _extract_record(w).batch_id}, roles=EXTRACT_KEEPERS
    ),
    "printouts:batch-pdf": Row(FORBIDDEN, kwargs=lambda w: {"pk": _extract_record(w).batch_id}, roles=EXTRACT_KEEPERS),
    "printouts:record-update": Row(
        FORBIDDEN,
        method="post",
        data={"action": "printed"},
        kwargs=lambda w: {"pk": _extract_record(w).pk},
        roles={**dict.fromkeys(("class_teacher", "admin", "staff"), REDIRECT), "other_school_admin": NOT_FOUND},
    ),
    "printouts:compliance": Row(FORBIDDEN, roles={**EXTRACT_KEEPERS, "other_school_admin": OK}),
    "printouts:student-history": Row(
        FORBIDDEN, kwargs=lambda w: {"public_id": w.student.public_id}, roles=EXTRACT_KEEPERS
    ),
    "printouts:student-extract": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.student.public_id},
        data={"week": datetime.date.today().isoformat()},
        roles={**EXTRACT_KEEPERS, "parent": OK, "other_parent": NOT_FOUND},
    ),
    "printouts:family-extracts": Row(FORBIDDEN, roles={"parent": OK, "other_parent": OK}),
    # Notifications (issue 6, points 2, 5 and 7): a parent reads their own alerts (someone else's: 404);
    # the school's staff read the delivery log; the unsubscribe link needs no login, only its token.
    "notifications:notification-list": Row(FORBIDDEN, roles={"parent": OK, "other_parent": OK}),
    "notifications:notification-open": Row(
        FORBIDDEN, kwargs=lambda w: {"pk": _parent_alert(w).pk}, roles={"parent": REDIRECT, "other_parent": NOT_FOUND}
    ),
    "notifications:notification-read-all": Row(
        FORBIDDEN, method="post", roles={"parent": REDIRECT, "other_parent": REDIRECT}
    ),
    "notifications:school-report": Row(FORBIDDEN, roles={"admin": OK, "staff": OK, "other_school_admin": OK}),
    "notifications:family-log": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.parent.public_id},
        roles={"admin": OK, "staff": OK, "other_school_admin": NOT_FOUND},
    ),
    "notifications:unsubscribe": Row(OK, kwargs=lambda w: {"token": _unsubscribe_token(w)}, roles={"anonymous": OK}),
    # Reading confirmations (issue 6, point 8): a parent confirms their own child's week (someone else's
    # child: 404); the digest's one-click link needs no login, only its token; the class teacher of the class
    # and the school's administrators read the overview (another school: 404).
    "notifications:week-confirm": Row(
        FORBIDDEN, kwargs=lambda w: {"public_id": w.student.public_id}, roles={"parent": OK, "other_parent": NOT_FOUND}
    ),
    "notifications:read-confirm": Row(OK, kwargs=lambda w: {"token": _read_confirm_token(w)}, roles={"anonymous": OK}),
    "notifications:reading-classes": Row(FORBIDDEN, roles={"class_teacher": OK, "admin": OK, "other_school_admin": OK}),
    "notifications:class-reading": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.class_5a.public_id},
        roles={"class_teacher": OK, "admin": OK, "other_school_admin": NOT_FOUND},
    ),
    # The API's documentation page and OpenAPI schema (issue 8, point 1) are public: they describe, never show,
    # data. The API's endpoints themselves authenticate by key, not by login (tests/test_api.py).
    "api:docs": Row(OK, roles={"anonymous": OK}),
    "api:schema": Row(OK, roles={"anonymous": OK}),
    # API clients (issue 8, point 1): the school's administrators only; a client of another school is a 404.
    "exchange:client-list": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "exchange:client-calls": Row(
        FORBIDDEN, kwargs=lambda w: {"pk": _api_client(w).pk}, roles={"admin": OK, "other_school_admin": NOT_FOUND}
    ),
    "exchange:client-deactivate": Row(
        FORBIDDEN,
        method="post",
        kwargs=lambda w: {"pk": _api_client(w).pk},
        roles={"admin": REDIRECT, "other_school_admin": NOT_FOUND},
    ),
    "exchange:client-webhook": Row(
        FORBIDDEN,
        method="post",
        kwargs=lambda w: {"pk": _api_client(w).pk},
        data={"webhook_url": "https://portal.example/hooks", "webhook_secret": "s" * 32},
        roles={"admin": REDIRECT, "other_school_admin": NOT_FOUND},
    ),
    # Imports and exports (issue 8, points 4 and 5): administrators only; a year of another school is a 404.
    "exchange:import": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "exchange:import-template-csv": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "exchange:import-template-xlsx": Row(FORBIDDEN, roles={"admin": OK, "other_school_admin": OK}),
    "exchange:year-export": Row(
        FORBIDDEN,
        kwargs=lambda w: {"public_id": w.year.public_id},
        roles={"admin": OK, "other_school_admin": NOT_FOUND},
    ),
}


def _api_client(world):
    """An API client of the world's school, issued by its administrator."""
    from exchange.services import api_client_issue

    client, _key = api_client_issue(school=world.school, name="Портал", scope="read", by=world.admin.user)
    return client


def project_url_names() -> set[str]:
    """Every named URL of the project, admin and allauth aside."""
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_module, "__name__", "")
                # The API v1 endpoints answer API keys, not logins: their access is tested in tests/test_api.py.
                if pattern.app_name == "admin" or module.startswith("allauth") or module == "exchange.api.urls":
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
