"""Substitution, move, cancellation and extra lesson: each writes its change with what the lesson was,
sets the lesson's flags and announces itself; bad input changes nothing. And the day's changes page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gradebook import models, signals
from gradebook.services import lesson_changes as services

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)


@pytest.fixture
def announced():
    """What ``lesson_changed`` carried, in the order it was sent."""
    sent = []

    def receiver(sender, lesson, change, by, **kwargs):
        sent.append((sender, lesson.pk, change.pk, change.kind, by))

    signals.lesson_changed.connect(receiver, dispatch_uid="test_lesson_changes")
    yield sent
    signals.lesson_changed.disconnect(dispatch_uid="test_lesson_changes")


@pytest.fixture
def monday(world):
    start = world.year.starts_on
    return start + datetime.timedelta(days=(8 - start.isoweekday()) % 7) + WEEK


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def lesson(world, maths, monday):
    return f.LessonFactory(
        class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=monday, number=2, room="21"
    )


@pytest.fixture
def substitute(world):
    return f.EmployeeFactory(school=world.school, surname="Заменова", name="Ольга", patronymic="")


def state(lesson):
    lesson.refresh_from_db()
    return (lesson.teacher_id, lesson.substitute_id, lesson.date, lesson.number, lesson.room, lesson.is_changed)


def assert_refused(call, match, lesson, announced):
    before = state(lesson)
    changes = models.LessonChange.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert match in " ".join(caught.value.messages), caught.value.messages
    assert state(lesson) == before
    assert models.LessonChange.objects.count() == changes
    assert not announced


# --- Substitution ---------------------------------------------------------------------------------


def test_a_substitution_keeps_the_teacher_and_records_who_was_to_teach(world, lesson, substitute, announced):
    change = services.lesson_substitute(lesson=lesson, substitute=substitute, reason="Болезнь", by=world.admin.user)
    lesson.refresh_from_db()
    assert (lesson.teacher, lesson.substitute, lesson.conducting_teacher) == (world.teacher, substitute, substitute)
    assert lesson.is_changed and not (lesson.is_moved or lesson.is_cancelled or lesson.is_extra)
    assert (change.kind, change.reason, change.recorded_by) == ("substitution", "Болезнь", world.admin.user)
    assert (change.old_teacher, change.old_date, change.old_number, change.old_room) == (
        world.teacher,
        lesson.date,
        2,
        "21",
    )
    assert announced == [(models.Lesson, lesson.pk, change.pk, "substitution", world.admin.user)]
    # A second substitution names the first substitute as the one who was to teach.
    again = services.lesson_substitute(
        lesson=lesson, substitute=world.other_teacher, reason="Тоже", by=world.admin.user
    )
    assert again.old_teacher == substitute


def test_the_substitute_is_an_active_teacher_of_the_school_other_than_the_lessons(world, lesson, announced):
    def call(teacher):
        return lambda: services.lesson_substitute(lesson=lesson, substitute=teacher, reason="Болезнь", by=None)

    assert_refused(call(world.teacher), "own teacher", lesson, announced)
    assert_refused(
        call(f.EmployeeFactory(school=world.other_school)), "active teacher of the school", lesson, announced
    )
    assert_refused(call(world.staff), "active teacher of the school", lesson, announced)
    gone = f.EmployeeFactory(school=world.school, is_active=False)
    assert_refused(call(gone), "active teacher of the school", lesson, announced)


def test_a_substitute_busy_at_that_time_is_refused(world, maths, lesson, announced):
    f.LessonFactory(class_unit=world.class_6b, subject=maths, teacher=world.other_teacher, date=lesson.date, number=2)
    call = lambda: services.lesson_substitute(  # noqa: E731
        lesson=lesson, substitute=world.other_teacher, reason="Болезнь", by=world.admin.user
    )
    assert_refused(call, "teaches 6Б then", lesson, announced)


def test_a_reason_is_required(world, lesson, substitute, announced):
    for reason in ("", "   ", None):
        call = lambda reason=reason: services.lesson_substitute(  # noqa: E731
            lesson=lesson, substitute=substitute, reason=reason, by=world.admin.user
        )
        assert_refused(call, "Give the reason", lesson, announced)


# --- Move ------------------------------------------------------------------------------------------


def test_a_move_records_the_old_date_number_and_room_and_takes_the_marks_along(world, lesson, announced, monday):
    work_type = f.WorkTypeFactory(school=world.school)
    mark = models.Mark.objects.create(
        school=world.school,
        lesson=lesson,
        student=world.student,
        subject=lesson.subject,
        date=lesson.date,
        value=4,
        work_type=work_type,
        recorded_by=world.teacher.user,
    )
    change = services.lesson_move(
        lesson=lesson, date=monday + 2 * DAY, number=5, room="актовый зал", reason="Олимпиада", by=world.admin.user
    )
    lesson.refresh_from_db()
    assert (lesson.date, lesson.number, lesson.room, lesson.is_moved) == (monday + 2 * DAY, 5, "актовый зал", True)
    assert (change.kind, change.old_date, change.old_number, change.old_room, change.old_teacher) == (
        "move",
        monday,
        2,
        "21",
        world.teacher,
    )
    mark.refresh_from_db()
    assert mark.date == monday + 2 * DAY
    assert announced == [(models.Lesson, lesson.pk, change.pk, "move", world.admin.user)]


def test_a_lesson_may_move_to_another_room_only(world, lesson):
    change = services.lesson_move(lesson=lesson, room="14", reason="Ремонт", by=world.admin.user)
    lesson.refresh_from_db()
    assert (lesson.date, lesson.number, lesson.room, lesson.is_moved) == (change.old_date, 2, "14", True)


def test_a_move_must_land_on_a_school_day_the_class_is_free(world, maths, lesson, monday, announced):
    f.HolidayFactory(school_year=world.year, starts_on=monday + WEEK, ends_on=monday + 2 * WEEK)
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    f.LessonFactory(class_unit=world.class_5a, subject=russian, teacher=world.class_teacher, date=monday, number=3)

    def move(**kwargs):
        return lambda: services.lesson_move(lesson=lesson, reason="Перенос", by=world.admin.user, **kwargs)

    assert_refused(move(date=monday + 6 * DAY), "no lessons on Sunday", lesson, announced)
    assert_refused(move(date=monday + WEEK + DAY), "falls in the holidays (Осенние каникулы)", lesson, announced)
    assert_refused(move(date=world.year.ends_on + DAY), "outside the school year", lesson, announced)
    assert_refused(move(number=3), "5А already has a lesson then: Русский язык", lesson, announced)
    assert_refused(move(number=2), "Nothing changes", lesson, announced)
    assert_refused(move(number=14), "Lesson numbers run from 0 to 12", lesson, announced)


def test_a_cancelled_lesson_frees_its_slot_and_cannot_be_moved(world, maths, lesson, monday, announced):
    other = f.LessonFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=monday, number=3)
    services.lesson_cancel(lesson=other, reason="Карантин", by=world.admin.user)
    services.lesson_move(lesson=lesson, number=3, reason="Перенос", by=world.admin.user)
    announced.clear()
    call = lambda: services.lesson_move(lesson=other, number=4, reason="Перенос", by=world.admin.user)  # noqa: E731
    assert_refused(call, "cancelled", other, announced)


def test_a_lesson_of_a_closed_period_never_changes(world, lesson, substitute, monday, announced):
    f.ReportingPeriodFactory(
        school_year=world.year, starts_on=world.year.starts_on, ends_on=monday, closed_at=timezone.now()
    )
    calls = [
        lambda: services.lesson_substitute(lesson=lesson, substitute=substitute, reason="Болезнь", by=None),
        lambda: services.lesson_move(lesson=lesson, date=monday + DAY, reason="Перенос", by=None),
        lambda: services.lesson_cancel(lesson=lesson, reason="Карантин", by=None),
    ]
    for call in calls:
        assert_refused(call, "closed period", lesson, announced)


# --- Cancellation ----------------------------------------------------------------------------------


def test_a_cancellation_marks_the_lesson_and_keeps_what_it_was(world, lesson, announced):
    change = services.lesson_cancel(lesson=lesson, reason="Карантин", by=world.admin.user)
    lesson.refresh_from_db()
    assert lesson.is_cancelled and lesson.is_changed
    assert (change.kind, change.old_teacher, change.old_date, change.old_number, change.old_room) == (
        "cancellation",
        world.teacher,
        lesson.date,
        2,
        "21",
    )
    assert announced == [(models.Lesson, lesson.pk, change.pk, "cancellation", world.admin.user)]
    announced.clear()
    call = lambda: services.lesson_cancel(lesson=lesson, reason="Ещё раз", by=world.admin.user)  # noqa: E731
    assert_refused(call, "cancelled", lesson, announced)


def test_a_lesson_with_marks_or_attendance_is_not_cancelled(world, lesson, announced):
    models.Attendance.objects.create(
        school=world.school,
        lesson=lesson,
        student=world.student,
        date=lesson.date,
        code="б",
        recorded_by=world.teacher.user,
    )
    call = lambda: services.lesson_cancel(lesson=lesson, reason="Карантин", by=world.admin.user)  # noqa: E731
    assert_refused(call, "marks or attendance", lesson, announced)


# --- Extra lesson ----------------------------------------------------------------------------------


def test_an_extra_lesson_is_added_outside_the_timetable(world, maths, monday, announced):
    change = services.lesson_add_extra(
        class_unit=world.class_5a,
        subject=maths,
        teacher=world.teacher,
        date=monday + 4 * DAY,
        number=7,
        room="21",
        reason="Консультация перед контрольной",
        by=world.admin.user,
    )
    lesson = change.lesson
    assert (lesson.school, lesson.class_unit, lesson.subject, lesson.teacher) == (
        world.school,
        world.class_5a,
        maths,
        world.teacher,
    )
    assert (lesson.date, lesson.number, lesson.is_extra, lesson.timetable_entry) == (monday + 4 * DAY, 7, True, None)
    assert (change.kind, change.old_teacher, change.old_date, change.old_number) == ("extra", None, None, None)
    assert announced == [(models.Lesson, lesson.pk, change.pk, "extra", world.admin.user)]


def test_an_extra_lesson_is_refused_on_a_busy_slot_or_a_sunday(world, maths, lesson, monday, announced):
    def add(**kwargs):
        arguments = {
            "class_unit": world.class_5a,
            "subject": maths,
            "teacher": world.teacher,
            "date": monday,
            "number": 2,
            "reason": "Консультация",
            "by": world.admin.user,
            **kwargs,
        }
        return lambda: services.lesson_add_extra(**arguments)

    lessons = models.Lesson.objects.count()
    assert_refused(add(), "5А already has a lesson then", lesson, announced)
    assert_refused(add(class_unit=world.class_6b), "teaches 5А then", lesson, announced)
    assert_refused(add(date=monday + 6 * DAY), "no lessons on Sunday", lesson, announced)
    assert models.Lesson.objects.count() == lessons


# --- The pages -----------------------------------------------------------------------------------


def change_url(lesson, kind):
    return reverse("gradebook:lesson-change-create", kwargs={"lesson_public_id": lesson.public_id, "kind": kind})


def test_the_administrator_records_a_substitution_on_the_page(client, world, lesson, substitute, announced):
    client.force_login(world.admin.user)
    page = client.get(change_url(lesson, "substitution")).content.decode()
    assert "Substitute the teacher" in page and substitute.full_name in page
    response = client.post(
        change_url(lesson, "substitution"), {"substitute": substitute.public_id, "reason": "Болезнь"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("gradebook:lesson-changes"))
    lesson.refresh_from_db()
    assert lesson.substitute == substitute
    assert len(announced) == 1


def test_bad_input_on_the_page_is_explained_and_changes_nothing(client, world, lesson, monday, announced):
    client.force_login(world.admin.user)
    response = client.post(change_url(lesson, "move"), {"date": (monday + 6 * DAY).isoformat(), "number": 2})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page  # the reason
    response = client.post(
        change_url(lesson, "move"), {"date": (monday + 6 * DAY).isoformat(), "number": 2, "reason": "Перенос"}
    )
    assert "There are no lessons on Sunday." in response.content.decode()
    assert not models.LessonChange.objects.exists()
    assert not announced


def test_an_unknown_kind_of_change_is_not_found(client, world, lesson):
    client.force_login(world.admin.user)
    assert client.get(change_url(lesson, "swap")).status_code == 404


def test_the_extra_lesson_page_adds_one_for_the_lessons_class(client, world, maths, lesson, monday):
    client.force_login(world.admin.user)
    response = client.post(
        change_url(lesson, "extra"),
        {
            "subject": maths.public_id,
            "teacher": world.teacher.public_id,
            "date": (monday + DAY).isoformat(),
            "number": 6,
            "room": "",
            "reason": "Консультация",
        },
    )
    assert response.status_code == 302
    extra = models.Lesson.objects.get(is_extra=True)
    assert (extra.class_unit, extra.date, extra.number) == (world.class_5a, monday + DAY, 6)


def test_the_day_page_lists_the_changes_with_what_was(client, world, lesson, substitute, monday):
    services.lesson_substitute(lesson=lesson, substitute=substitute, reason="Болезнь", by=world.admin.user)
    client.force_login(world.staff.user)
    response = client.get(reverse("gradebook:lesson-changes"), {"date": monday.isoformat()})
    page = response.content.decode()
    for text in ("Substitution", "Болезнь", substitute.short_name, world.teacher.short_name, world.admin.short_name):
        assert text in page
    assert change_url(lesson, "substitution") not in page  # staff read only
    client.force_login(world.admin.user)
    page = client.get(reverse("gradebook:lesson-changes"), {"date": monday.isoformat()}).content.decode()
    assert change_url(lesson, "move") in page


def test_a_lesson_moved_away_shows_on_its_old_day(client, world, lesson, monday):
    services.lesson_move(lesson=lesson, date=monday + DAY, reason="Экскурсия", by=world.admin.user)
    client.force_login(world.admin.user)
    page = client.get(reverse("gradebook:lesson-changes"), {"date": monday.isoformat()}).content.decode()
    assert "Экскурсия" in page


def test_the_changes_page_query_budget(client, world, maths, monday, django_assert_max_num_queries):
    """The day's page reads in a fixed number of queries, whatever the number of lessons and changes."""
    client.force_login(world.admin.user)
    url = reverse("gradebook:lesson-changes")
    query = {"date": monday.isoformat()}
    client.get(url, query)
    for number in range(1, 8):
        for class_unit in (world.class_5a, world.class_6b):
            teacher = f.EmployeeFactory(school=world.school)
            substitute = f.EmployeeFactory(school=world.school)
            lesson = f.LessonFactory(
                class_unit=class_unit, subject=maths, teacher=teacher, date=monday, number=number, room=str(number)
            )
            services.lesson_substitute(lesson=lesson, substitute=substitute, reason="Болезнь", by=world.admin.user)
            if number % 2:
                services.lesson_move(lesson=lesson, room=f"{number}a", reason="Ремонт", by=world.admin.user)
    with django_assert_max_num_queries(13):
        response = client.get(url, query)
    page = response.content.decode()
    assert page.count("Ремонт") == 8 and page.count("Болезнь") == 14
