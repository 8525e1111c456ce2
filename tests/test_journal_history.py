"""The journal's history (issue 4, point 6): every change of a mark, an attendance entry, a topic or
homework is kept — who, when, old → new —, it cannot be altered (the model layer and, on PostgreSQL,
the database refuse), and the administrator reads it per lesson and per student."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from gradebook.models import JournalChange, Lesson, PersonalDataAccess
from gradebook.models.base import AppendOnlyError
from gradebook.services import attendance as attendance_services
from gradebook.services import homework as homework_services
from gradebook.services import journal as journal_services
from gradebook.services import marks as mark_services

from . import factories as f
from .conftest import skip_or_fail


@pytest.fixture
def lesson(world):
    today = timezone.localdate()
    f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=max(world.year.starts_on, today - datetime.timedelta(days=10)),
        ends_on=today + datetime.timedelta(days=10),
    )
    return f.LessonFactory(
        class_unit=world.class_5a, subject=world.teacher.assignments.get().subject, teacher=world.teacher, date=today
    )


@pytest.fixture
def answer(world):
    return f.WorkTypeFactory(school=world.school, name="Ответ на уроке")


@pytest.fixture
def history(world, lesson, answer):
    """A day of the teacher's work on the lesson: every kind of change, each step in order."""
    by = world.teacher.user
    test = f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))
    mark_services.mark_record(lesson=lesson, student=world.student, value=4, work_type=answer, by=by)
    mark_services.mark_record(lesson=lesson, student=world.student, value=5, work_type=answer, by=by)
    mark_services.mark_record(lesson=lesson, student=world.student, value=3, work_type=test, position=2, by=by)
    mark_services.mark_remove(lesson=lesson, student=world.student, position=2, by=by)
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="о", by=by)
    journal_services.lesson_topic_set(lesson=lesson, topic="Дроби", kind="new", by=by)
    homework_services.homework_set(lesson=lesson, text="№ 5", by=by)
    homework_services.homework_set(lesson=lesson, text="№ 5, 6", by=by)
    return list(JournalChange.objects.order_by("pk"))


def test_every_change_is_kept_with_who_and_old_and_new(world, lesson, history):
    rows = [(c.kind, c.student_id, c.old_value, c.new_value) for c in history]
    student = world.student.pk
    assert rows == [
        ("mark", student, "", "4 (Ответ на уроке)"),
        ("mark", student, "4 (Ответ на уроке)", "5 (Ответ на уроке)"),
        ("mark", student, "5 (Ответ на уроке)", "5 (Ответ на уроке) / 3 (Контрольная работа)"),
        ("mark", student, "5 (Ответ на уроке) / 3 (Контрольная работа)", "5 (Ответ на уроке)"),
        ("attendance", student, "", "о"),
        ("topic", None, "", f"Дроби ({Lesson.Kind.NEW_MATERIAL.label})"),
        ("homework", None, "", "№ 5"),
        ("homework", None, "№ 5", "№ 5, 6"),
    ]
    assert {c.changed_by for c in history} == {world.teacher.user}
    assert {c.lesson for c in history} == {lesson} and {c.school for c in history} == {world.school}
    assert all(c.created_at is not None for c in history)


def test_a_refused_change_leaves_no_history(world, lesson, answer):
    with pytest.raises(ValidationError):
        mark_services.mark_record(
            lesson=lesson, student=world.student, value=9, work_type=answer, by=world.teacher.user
        )
    with pytest.raises(PermissionDenied):
        mark_services.mark_record(lesson=lesson, student=world.student, value=5, work_type=answer, by=world.admin.user)
    assert not JournalChange.objects.exists()


# --- Not alterable --------------------------------------------------------------------------------


def test_the_model_layer_refuses_to_change_or_delete_history(history):
    change = history[0]
    change.new_value = "5"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        JournalChange.objects.filter(pk=change.pk).update(new_value="5")
    with pytest.raises(AppendOnlyError):
        JournalChange.objects.all().delete()


def _require_postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("the append-only triggers are PostgreSQL's: run with DATABASE_URL=postgres://…")


def test_postgresql_refuses_an_update_or_delete_through_the_orm(history):
    """Around the model layer (a plain QuerySet), the database's trigger still refuses."""
    _require_postgresql()
    plain = models.QuerySet(JournalChange)
    for attempt in (lambda: plain.filter(pk=history[0].pk).update(new_value="5"), lambda: plain.all().delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert JournalChange.objects.get(pk=history[0].pk).new_value == "4 (Ответ на уроке)"
    assert JournalChange.objects.count() == len(history)


def test_postgresql_refuses_an_update_or_delete_in_raw_sql(history):
    _require_postgresql()
    table = JournalChange._meta.db_table
    for sql in (f"UPDATE {table} SET new_value = '5'", f"DELETE FROM {table}", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [history[0].pk] if "%s" in sql else None)
    assert JournalChange.objects.count() == len(history)
    assert JournalChange.objects.get(pk=history[0].pk).new_value == "4 (Ответ на уроке)"


# --- The administrator's pages ---------------------------------------------------------------------


def test_the_administrator_reads_a_lessons_history(client, world, lesson, history):
    client.force_login(world.admin.user)
    response = client.get(reverse("gradebook:lesson-history", kwargs={"public_id": lesson.public_id}))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr>") == len(history) + 1  # newest first, with the header row
    assert html.index("№ 5, 6") < html.index("4 (Ответ на уроке)")
    assert world.teacher.short_name in html
    assert world.student.short_name in html
    assert "5 (Ответ на уроке) / 3 (Контрольная работа)" in html


def test_the_administrator_reads_a_students_history_and_the_opening_is_logged(client, world, lesson, history):
    client.force_login(world.admin.user)
    url = reverse("gradebook:student-history", kwargs={"public_id": world.student.public_id})
    html = client.get(url).content.decode()
    assert html.count("<tr>") == 5 + 1  # the student's four mark changes and one attendance entry
    assert "Дроби" not in html and "№ 5" not in html  # the lesson's own changes are not the student's
    assert PersonalDataAccess.objects.filter(
        viewer=world.admin.user, student=world.student, what="gradebook:student-history"
    ).exists()


def test_the_grid_leads_the_administrator_to_a_students_history(client, world, lesson):
    journal = reverse(
        "gradebook:journal",
        kwargs={"owner_public_id": world.class_5a.public_id, "subject_public_id": lesson.subject.public_id},
    )
    history = reverse("gradebook:student-history", kwargs={"public_id": world.student.public_id})
    client.force_login(world.admin.user)
    assert history in client.get(journal).content.decode()
    client.force_login(world.teacher.user)
    assert history not in client.get(journal).content.decode()


def test_history_is_the_administrators(client, world, lesson, history):
    url = reverse("gradebook:lesson-history", kwargs={"public_id": lesson.public_id})
    for who, status in (("teacher", 403), ("class_teacher", 403), ("staff", 403), ("other_school_admin", 404)):
        client.force_login(getattr(world, who).user)
        assert client.get(url).status_code == status, who


def test_the_history_page_is_read_in_a_bounded_number_of_queries(
    client, world, lesson, answer, django_assert_max_num_queries
):
    by = world.teacher.user
    for value in [2, 3, 4, 5] * 10:
        mark_services.mark_record(lesson=lesson, student=world.student, value=value, work_type=answer, by=by)
    client.force_login(world.admin.user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("gradebook:lesson-history", kwargs={"public_id": lesson.public_id}))
    assert response.content.decode().count("<tr>") == 41
