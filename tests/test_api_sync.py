"""Incremental sync's deletions (issue 8, point 2): every way the journal deletes a published record leaves a
tombstone that ``updated_since`` reports, named as the API names the record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange import tombstones
from exchange.models import Deletion
from exchange.services import api_client_issue
from exchange.tasks import prune_tombstones
from gradebook.models import Holiday, Lesson, Student, TimetableEntry
from gradebook.services import attendance as attendance_services
from gradebook.services import control_works as control_work_services
from gradebook.services import marks as mark_services
from gradebook.services import timetable as timetable_services

from . import factories as f


@pytest.fixture
def key(world):
    _client, raw_key = api_client_issue(school=world.school, name="Портал", scope="read", by=world.admin.user)
    return raw_key


@pytest.fixture
def cursor():
    return timezone.now() - datetime.timedelta(seconds=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def lesson(world, today):
    f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=max(world.year.starts_on, today - datetime.timedelta(days=20)),
        ends_on=today + datetime.timedelta(days=20),
    )
    return f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today)


def deleted(client, key, path, cursor):
    response = client.get(f"/api/v1/{path}", {"updated_since": cursor.isoformat()}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    return response.json()["deleted"]


def test_a_removed_mark_names_the_place_in_the_cell_that_went(client, world, key, cursor, lesson):
    work_type = f.WorkTypeFactory(school=world.school)
    by = world.teacher.user
    for position, value in ((1, 5), (2, 3)):
        mark_services.mark_record(
            lesson=lesson, student=world.student, value=value, work_type=work_type, by=by, position=position
        )
    mark_services.mark_remove(lesson=lesson, student=world.student, position=1, by=by)
    cell = {"lesson_id": str(lesson.public_id), "student_id": str(world.student.public_id)}
    # The 3 moved to the first place: the second place is gone, the first is reported changed.
    assert deleted(client, key, "marks/", cursor) == [{**cell, "position": 2}]
    response = client.get(
        "/api/v1/marks/", {"updated_since": cursor.isoformat()}, HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    assert [(row["position"], row["value"]) for row in response["results"]] == [(1, 3)]
    mark_services.mark_remove(lesson=lesson, student=world.student, position=1, by=by)
    assert deleted(client, key, "marks/", cursor) == [{**cell, "position": 2}, {**cell, "position": 1}]


def test_cleared_attendance_is_a_tombstone_a_changed_code_is_not(client, world, key, cursor, lesson):
    by = world.teacher.user
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="н", by=by)
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="б", by=by)
    assert deleted(client, key, "attendance/", cursor) == []
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="", by=by)
    assert deleted(client, key, "attendance/", cursor) == [
        {"lesson_id": str(lesson.public_id), "student_id": str(world.student.public_id)}
    ]


def test_a_cancelled_control_work(client, world, key, cursor):
    work = f.ControlWorkFactory(class_unit=world.class_5a, subject=world.math)
    control_work_services.control_work_cancel(control_work=work, by=world.teacher.user)
    assert deleted(client, key, "control-works/", cursor) == [{"id": str(work.public_id)}]


def test_a_removed_timetable_slot_and_its_unused_lessons(client, world, key, cursor):
    entry = f.TimetableEntryFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher)
    unused = f.LessonFactory(class_unit=world.class_5a, subject=world.math, timetable_entry=entry)
    timetable_services.timetable_entry_delete(entry=entry, by=world.admin.user)
    assert not Lesson.objects.filter(pk=unused.pk).exists()
    assert deleted(client, key, "timetable/", cursor) == [{"id": str(entry.public_id)}]
    assert deleted(client, key, "lessons/", cursor) == [{"id": str(unused.public_id)}]


def test_lessons_the_generation_removes(client, world, key, cursor, today):
    period = f.ReportingPeriodFactory(
        school_year=world.year, starts_on=today - datetime.timedelta(days=6), ends_on=today + datetime.timedelta(days=7)
    )
    entry = f.TimetableEntryFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, starts_on=period.starts_on
    )
    timetable_services.lessons_generate(period=period, class_unit=world.class_5a, by=world.admin.user)
    made = set(Lesson.objects.filter(timetable_entry=entry).values_list("public_id", flat=True))
    assert made
    TimetableEntry.objects.filter(pk=entry.pk).update(weekday=entry.weekday % 6 + 1)  # the slot moves a day
    timetable_services.lessons_generate(period=period, class_unit=world.class_5a, by=world.admin.user)
    assert {row["id"] for row in deleted(client, key, "lessons/", cursor)} == {str(pk) for pk in made}


def test_a_holiday_deleted_in_the_admin(client, world, key, cursor):
    holiday = f.HolidayFactory(school_year=world.year)
    world.admin.user.is_staff = True  # the admin site
    world.admin.user.save(update_fields=["is_staff"])
    client.force_login(world.admin.user)
    url = reverse("admin:gradebook_holiday_delete", args=[holiday.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    client.logout()
    assert deleted(client, key, "holidays/", cursor) == [{"id": str(holiday.public_id)}]


def test_withdrawn_consent_makes_the_student_a_tombstone(client, world, key, cursor):
    f.record_decision(world.parent, world.student, decision="withdrawal")
    assert deleted(client, key, "students/", cursor) == [{"id": str(world.student.public_id)}]
    listed = client.get("/api/v1/students/", HTTP_AUTHORIZATION=f"Bearer {key}").json()["results"]
    assert str(world.student.public_id) not in {row["id"] for row in listed}


def test_another_schools_deletions_are_not_reported(client, world, key, cursor):
    api_client_issue(school=world.other_school, name="Портал", scope="read", by=world.other_school_admin.user)
    other_class = world.other_school_student.class_memberships.get().class_unit
    work = f.ControlWorkFactory(class_unit=other_class, subject=f.SubjectFactory(school=world.other_school))
    control_work_services.control_work_cancel(control_work=work, by=world.other_school_admin.user)
    assert Deletion.objects.filter(school=world.other_school).count() == 1
    assert deleted(client, key, "control-works/", cursor) == []


def test_no_tombstones_without_a_client(world):
    work = f.ControlWorkFactory(class_unit=world.class_5a, subject=world.math)
    control_work_services.control_work_cancel(control_work=work, by=world.teacher.user)
    assert not Deletion.objects.exists()


def test_a_cursor_older_than_the_tombstones_kept_is_refused(client, world, key, english):
    too_old = timezone.now() - datetime.timedelta(days=tombstones.RETENTION_DAYS + 1)
    response = client.get(
        "/api/v1/lessons/", {"updated_since": too_old.isoformat()}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 400
    assert "sync in full" in response.json()["updated_since"][0]


def test_old_tombstones_are_pruned_daily(world, key, settings):
    kept = Deletion.objects.create(school=world.school, resource="lesson", key={"id": "a"})
    old = Deletion.objects.create(school=world.school, resource="lesson", key={"id": "b"})
    Deletion.objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - datetime.timedelta(days=tombstones.RETENTION_DAYS + 1)
    )
    assert prune_tombstones() == 1
    assert settings.CELERY_BEAT_SCHEDULE["exchange-prune-tombstones"]["task"] == prune_tombstones.name
    assert list(Deletion.objects.values_list("pk", flat=True)) == [kept.pk]


def test_every_read_resource_can_report_its_deletions():
    from exchange.api.urls import router
    from exchange.api.views import ReadViewSet

    readers = [viewset for _prefix, viewset, _basename in router.registry if issubclass(viewset, ReadViewSet)]
    assert len(readers) == 12
    assert {viewset.serializer_class.Meta.model for viewset in readers} <= set(tombstones.RESOURCES)
    assert len({tombstones.RESOURCES[viewset.serializer_class.Meta.model] for viewset in readers}) == 12


def test_a_family_that_allows_the_portal_again_brings_the_student_back(client, world, key):
    f.record_decision(world.parent, world.student, decision="withdrawal")
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math)
    f.MarkFactory(lesson=lesson, student=world.student)
    f.MarkFactory(lesson=lesson, student=f.StudentFactory(school=world.school))  # not shown: no consent
    Student.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    cursor = timezone.now()
    f.record_decision(world.parent, world.student)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    since = client.get("/api/v1/students/", {"updated_since": cursor.isoformat()}, **auth).json()
    assert [row["id"] for row in since["results"]] == [str(world.student.public_id)]
    # The client then reads the child's records in full, with the student filter.
    marks = client.get("/api/v1/marks/", {"student": str(world.student.public_id)}, **auth).json()
    assert [row["student_id"] for row in marks["results"]] == [str(world.student.public_id)]
    other = client.get("/api/v1/marks/", {"student": str(world.other_student.public_id)}, **auth).json()
    assert other["results"] == []
    assert client.get("/api/v1/marks/", {"student": "nonsense"}, **auth).status_code == 400


def test_deletions_come_once_with_the_first_page(client, world, key, cursor):
    for number in (1, 2, 3):
        f.LessonFactory(class_unit=world.class_5a, subject=world.math, number=number)
    work = f.ControlWorkFactory(class_unit=world.class_5a, subject=world.math)
    control_work_services.control_work_cancel(control_work=work, by=world.teacher.user)
    f.ControlWorkFactory(class_unit=world.class_5a, subject=world.math, number=3)
    f.ControlWorkFactory(class_unit=world.class_5a, subject=world.math, number=4)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    since = {"updated_since": cursor.isoformat(), "limit": 1}
    first = client.get("/api/v1/control-works/", since, **auth).json()
    second = client.get("/api/v1/control-works/", {**since, "offset": 1}, **auth).json()
    assert (len(first["results"]), len(second["results"])) == (1, 1)
    assert first["deleted"] == [{"id": str(work.public_id)}]
    assert second["deleted"] == []
