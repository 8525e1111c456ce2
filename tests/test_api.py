"""The API v1 (issue 8, points 1–3): keys of one school, consent-filtered reading, incremental sync, writing
decisions and contacts that the family signed electronically."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentRecord, ContactPoint
from exchange.models import ApiCall, ApiClient, Deletion
from exchange.services import api_client_issue

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)


def _key(world, scope="read", school=None):
    client, raw_key = api_client_issue(
        school=school or world.school, name=f"Portal {scope}", scope=scope, by=world.admin.user
    )
    return client, raw_key


def _get(client, key, path, **params):
    return client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client, key, path, data):
    return client.post(f"/api/v1/{path}", data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_the_key_is_kept_only_as_a_hash(world):
    client, raw_key = _key(world)
    assert raw_key.startswith(f"{client.key_prefix}.")
    assert raw_key.split(".", 1)[1] not in client.key_hash


@pytest.mark.parametrize(
    "header",
    [None, "Bearer nonsense", "Bearer abc.def", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_without_a_valid_key_401(client, world, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/students/", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_or_an_inactive_client_401(client, world):
    api_client, key = _key(world)
    assert _get(client, f"{api_client.key_prefix}.wrong", "students/").status_code == 401
    api_client.is_active = False
    api_client.save()
    assert _get(client, key, "students/").status_code == 401


def test_a_client_of_school_a_sees_nothing_of_school_b(client, world):
    _, key = _key(world)
    other_lesson = f.LessonFactory(class_unit=world.other_school_student.class_memberships.get().class_unit)
    f.MarkFactory(lesson=other_lesson, student=world.other_school_student)
    students = _ids(_get(client, key, "students/"))
    assert str(world.student.public_id) in students
    assert str(world.other_school_student.public_id) not in students
    assert _get(client, key, f"students/{world.other_school_student.public_id}/").status_code == 404
    assert _get(client, key, f"lessons/{other_lesson.public_id}/").status_code == 404
    assert _get(client, key, "marks/").json()["results"] == []
    assert str(other_lesson.class_unit.public_id) not in _ids(_get(client, key, "classes/"))
    response = _post(
        client,
        _key(world, "write")[1],
        "contacts/",
        {
            "guardian": str(f.GuardianFactory(school=world.other_school).public_id),
            "kind": "email",
            "value": "x@example.com",
            "signature_reference": "ESIA-1",
        },
    )
    assert response.status_code == 404


def test_only_families_whose_consent_allows_the_portal(client, world):
    _, key = _key(world)
    undecided = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school), student=undecided)
    refused = f.StudentFactory(school=world.school)
    refusing = f.GuardianFactory(school=world.school)
    f.GuardianshipFactory(guardian=refusing, student=refused)
    f.record_decision(refusing, refused, decision="refusal")
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math)
    for student in (world.student, undecided, refused):
        f.MarkFactory(lesson=lesson, student=student)
    students = _ids(_get(client, key, "students/"))
    assert str(world.student.public_id) in students
    assert not {str(undecided.public_id), str(refused.public_id)} & students
    marks = _get(client, key, "marks/").json()["results"]
    assert [m["student_id"] for m in marks] == [str(world.student.public_id)]
    assert _get(client, key, f"students/{refused.public_id}/").status_code == 404


def test_students_come_with_their_guardians(client, world):
    _, key = _key(world)
    response = _get(client, key, f"students/{world.student.public_id}/")
    assert response.status_code == 200
    assert [g["id"] for g in response.json()["guardians"]] == [str(world.parent.public_id)]


def test_read_only_key_cannot_write(client, world):
    _, key = _key(world, "read")
    data = {
        "student": str(world.student.public_id),
        "guardian": str(world.parent.public_id),
        "decision": "withdrawal",
        "signed_on": timezone.localdate().isoformat(),
        "signature_reference": "ESIA-42",
    }
    before = ConsentRecord.objects.count()
    assert _post(client, key, "consent-decisions/", data).status_code == 403
    assert ConsentRecord.objects.count() == before


def test_consent_decisions_enter_the_registry_as_electronic_documents(client, world):
    _, key = _key(world, "write")
    response = _post(
        client,
        key,
        "consent-decisions/",
        {
            "student": str(world.student.public_id),
            "guardian": str(world.parent.public_id),
            "decision": "withdrawal",
            "signed_on": timezone.localdate().isoformat(),
            "signature_reference": "ESIA-42",
        },
    )
    assert response.status_code == 201, response.json()
    record = ConsentRecord.objects.get(public_id=response.json()["id"])
    assert (record.student, record.guardian, record.decision) == (world.student, world.parent, "withdrawal")
    assert (record.form, record.signature_reference) == ("electronic", "ESIA-42")
    # The withdrawal applies at once: the child leaves the portal.
    assert str(world.student.public_id) not in _ids(_get(client, key, "students/"))


def test_a_bad_decision_is_a_400_and_writes_nothing(client, world):
    _, key = _key(world, "write")
    before = ConsentRecord.objects.count()
    response = _post(
        client,
        key,
        "consent-decisions/",
        {
            "student": str(world.student.public_id),
            "guardian": str(world.other_parent.public_id),
            "decision": "consent",
            "signed_on": timezone.localdate().isoformat(),
            "signature_reference": "ESIA-42",
        },
    )
    assert response.status_code == 400
    assert "guardian" in response.json()
    assert ConsentRecord.objects.count() == before


def test_contacts_enter_verified_with_electronic_provenance(client, world):
    _, key = _key(world, "write")
    response = _post(
        client,
        key,
        "contacts/",
        {
            "guardian": str(world.parent.public_id),
            "kind": "email",
            "value": "Mama@Example.com",
            "signature_reference": "ESIA-7",
        },
    )
    assert response.status_code == 201, response.json()
    contact = ContactPoint.objects.get(guardian=world.parent, kind="email")
    assert (contact.provenance, contact.signature_reference) == ("electronic", "ESIA-7")
    assert contact.verified_at is not None


def test_incremental_sync_returns_changes_and_deletions_since_a_cursor(client, world):
    _, key = _key(world)
    old = f.HomeworkFactory(lesson=f.LessonFactory(class_unit=world.class_5a))
    cursor = timezone.now()
    type(old).objects.filter(pk=old.pk).update(updated_at=cursor - datetime.timedelta(hours=1))
    long_gone = Deletion.objects.create(school=world.school, resource="homework", key={"id": str(uuid.uuid4())})
    Deletion.objects.filter(pk=long_gone.pk).update(deleted_at=cursor - datetime.timedelta(days=1))
    new = f.HomeworkFactory(lesson=f.LessonFactory(class_unit=world.class_5a, number=2))
    gone = {"id": str(uuid.uuid4())}
    Deletion.objects.create(school=world.school, resource="homework", key=gone)
    Deletion.objects.create(school=world.other_school, resource="homework", key={"id": str(uuid.uuid4())})
    Deletion.objects.create(school=world.school, resource="lesson", key={"id": str(uuid.uuid4())})

    everything = _get(client, key, "homework/").json()
    assert _ids_of(everything) == {str(old.public_id), str(new.public_id)}
    assert everything["deleted"] == []
    since = _get(client, key, "homework/", updated_since=cursor.isoformat()).json()
    assert _ids_of(since) == {str(new.public_id)}
    assert since["deleted"] == [gone]


def _ids_of(payload):
    return {row["id"] for row in payload["results"]}


@pytest.mark.parametrize("params", [{"updated_since": "yesterday"}, {"date_from": "2026-13-45"}])
def test_bad_filters_are_400(client, world, params):
    _, key = _key(world)
    assert _get(client, key, "lessons/", **params).status_code == 400


def test_date_filters(client, world):
    _, key = _key(world)
    today = timezone.localdate()
    f.LessonFactory(class_unit=world.class_5a, date=today - datetime.timedelta(days=3))
    recent = f.LessonFactory(class_unit=world.class_5a, date=today)
    response = _get(client, key, "lessons/", date_from=(today - datetime.timedelta(days=1)).isoformat())
    assert _ids(response) == {str(recent.public_id)}


def test_lessons_come_with_their_changes(client, world):
    _, key = _key(world)
    change = f.LessonChangeFactory(lesson=f.LessonFactory(class_unit=world.class_5a))
    (row,) = _get(client, key, "lessons/").json()["results"]
    assert [c["kind"] for c in row["changes"]] == [change.kind]


def test_only_published_finals(client, world):
    _, key = _key(world)
    period = f.ReportingPeriodFactory(school_year=world.year)
    published = f.FinalMarkFactory(
        period=period,
        student=world.student,
        subject=world.math,
        recorded_at=timezone.now() - datetime.timedelta(hours=25),
    )
    f.FinalMarkFactory(
        period=period, student=world.student, subject=f.SubjectFactory(school=world.school, name="Физика")
    )
    assert _ids(_get(client, key, "finals/")) == {str(published.public_id)}


def _fill(world, n):
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math)
    work_type = f.WorkTypeFactory(school=world.school)
    for _ in range(n):
        student = f.StudentFactory(school=world.school)
        guardian = f.GuardianFactory(school=world.school)
        f.GuardianshipFactory(guardian=guardian, student=student)
        f.record_decision(guardian, student)
        f.MarkFactory(lesson=lesson, student=student, work_type=work_type)
        f.AttendanceFactory(lesson=lesson, student=student)
        f.RecommendationFactory(student=student)
        f.LessonChangeFactory(lesson=f.LessonFactory(class_unit=world.class_5a, subject=world.math))


@pytest.mark.parametrize(
    "path", ["students/", "marks/", "attendance/", "recommendations/", "lessons/", "classes/", "homework/"]
)
def test_query_count_does_not_grow_with_the_page_size(client, world, path):
    _, key = _key(world)
    _fill(world, 2)
    with CaptureQueriesContext(connection) as small:
        assert _get(client, key, path, limit=2).status_code == 200
    _fill(world, 6)
    with CaptureQueriesContext(connection) as large:
        response = _get(client, key, path, limit=8)
    assert response.status_code == 200
    assert len(large) == len(small), path


def test_pages_are_at_most_500_rows(client, world):
    _, key = _key(world)
    response = _get(client, key, "lessons/", limit=10000)
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results", "deleted"}


def test_every_call_is_logged(client, world):
    api_client, key = _key(world)
    f.MarkFactory(lesson=f.LessonFactory(class_unit=world.class_5a), student=world.student)
    _get(client, key, "marks/")
    _get(client, key, f"students/{world.other_school_student.public_id}/")
    calls = list(ApiCall.objects.filter(client=api_client).order_by("pk").values_list("endpoint", "status", "rows"))
    assert calls == [
        ("/api/v1/marks/", 200, 1),
        (f"/api/v1/students/{world.other_school_student.public_id}/", 404, 0),
    ]
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


def test_rate_limited_per_client(client, world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_client": "2/min"}}
    from rest_framework.settings import api_settings

    from exchange.api.auth import ApiClientThrottle

    api_settings.reload()
    ApiClientThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        _, key = _key(world)
        _, other_key = _key(world, "write")
        assert [_get(client, key, "classes/").status_code for _ in range(3)] == [200, 200, 429]
        assert _get(client, other_key, "classes/").status_code == 200
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_client": "600/min"}}
        api_settings.reload()
        ApiClientThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_schema_and_docs_page_are_served_without_a_key(client, world):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/consent-decisions/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"/api/v1/students/" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_issuing_checks_the_scope(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_client_issue(school=world.school, name="x", scope="admin", by=world.admin.user)
    assert not ApiClient.objects.exists()
