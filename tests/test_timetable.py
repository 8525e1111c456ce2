"""The bell schedule, the weekly timetable and the lessons generated from it; the administrator's pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gradebook import models
from gradebook.selectors import timetable as selectors
from gradebook.services import lesson_changes
from gradebook.services import timetable as services

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

WEEK = datetime.timedelta(weeks=1)
DAY = datetime.timedelta(days=1)


def first_monday(year) -> datetime.date:
    start = year.starts_on
    return start + datetime.timedelta(days=(8 - start.isoweekday()) % 7)


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def monday(world):
    """The Monday of the period's first week."""
    return first_monday(world.year)


@pytest.fixture
def period(world, monday):
    """Four whole weeks, Monday to Sunday, for every grade."""
    return f.ReportingPeriodFactory(school_year=world.year, starts_on=monday, ends_on=monday + 4 * WEEK - DAY)


def entry_of(world, subject, teacher=None, *, by=None, **kwargs):
    kwargs.setdefault("class_unit", world.class_5a)
    kwargs.setdefault("weekday", 1)
    kwargs.setdefault("number", 1)
    return services.timetable_entry_create(
        subject=subject, teacher=teacher or world.teacher, by=by or world.admin.user, **kwargs
    )


def generate(world, period, **kwargs):
    kwargs.setdefault("class_unit", world.class_5a)
    return services.lessons_generate(period=period, by=world.admin.user, **kwargs)


def lesson_dates(**filters):
    return sorted(models.Lesson.objects.filter(**filters).values_list("date", flat=True))


# --- Generation ----------------------------------------------------------------------------------


def test_generation_makes_a_lesson_on_the_entrys_weekday_each_week(world, maths, period, monday):
    entry = entry_of(world, maths, room="21")
    entry_of(world, maths, weekday=3, number=2)
    result = generate(world, period)
    assert result == services.GenerationResult(created=8)
    assert lesson_dates(number=1) == [monday + n * WEEK for n in range(4)]
    assert lesson_dates(number=2) == [monday + 2 * DAY + n * WEEK for n in range(4)]
    lesson = models.Lesson.objects.get(date=monday, number=1)
    assert (lesson.school, lesson.class_unit, lesson.study_group) == (world.school, world.class_5a, None)
    assert (lesson.subject, lesson.teacher, lesson.room, lesson.timetable_entry) == (maths, world.teacher, "21", entry)
    assert not lesson.is_changed


def test_a_holiday_week_has_no_lessons(world, maths, period, monday):
    entry_of(world, maths)
    entry_of(world, maths, weekday=6, number=3)
    f.HolidayFactory(school_year=world.year, starts_on=monday + WEEK, ends_on=monday + 2 * WEEK - DAY)
    result = generate(world, period)
    assert result.created == 6
    assert monday + WEEK not in lesson_dates()
    assert monday + WEEK + 5 * DAY not in lesson_dates()
    assert lesson_dates(number=1) == [monday, monday + 2 * WEEK, monday + 3 * WEEK]


def test_a_holiday_of_one_grade_level_skips_only_that_grade(world, maths, period, monday):
    first_grade = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="А")
    entry_of(world, maths)
    entry_of(world, maths, class_unit=first_grade, number=2)
    f.HolidayFactory(
        school_year=world.year,
        name="Дополнительные каникулы",
        starts_on=monday + WEEK,
        ends_on=monday + 2 * WEEK - DAY,
        min_grade=1,
        max_grade=1,
    )
    generate(world, period)
    generate(world, period, class_unit=first_grade)
    assert len(lesson_dates(class_unit=world.class_5a)) == 4
    assert lesson_dates(class_unit=first_grade) == [monday, monday + 2 * WEEK, monday + 3 * WEEK]


def test_odd_and_even_weeks_alternate_by_the_iso_week_number(world, maths, period):
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    entry_of(world, maths, parity="odd")
    entry_of(world, russian, parity="even")
    assert generate(world, period).created == 4
    lessons = models.Lesson.objects.filter(class_unit=world.class_5a)
    for lesson in lessons:
        odd = lesson.date.isocalendar().week % 2 == 1
        assert lesson.subject == (maths if odd else russian)
    assert {lesson.subject for lesson in lessons} == {maths, russian}


def test_an_entry_makes_lessons_only_while_it_is_valid(world, maths, period, monday):
    entry_of(world, maths, starts_on=monday + WEEK, ends_on=monday + 3 * WEEK - DAY)
    generate(world, period)
    assert lesson_dates() == [monday + WEEK, monday + 2 * WEEK]


def test_a_class_generates_its_subgroups_lessons_too(world, maths, period, monday):
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    group_1 = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup", name="5А англ 1")
    group_2 = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup", name="5А англ 2")
    entry_of(world, english, class_unit=None, study_group=group_1, number=3)
    entry_of(world, english, world.other_teacher, class_unit=None, study_group=group_2, number=3)
    assert generate(world, period).created == 8
    assert len(lesson_dates(study_group=group_2, teacher=world.other_teacher)) == 4


def test_the_lessons_of_a_closed_period_are_not_regenerated(world, maths, period):
    entry_of(world, maths)
    period.closed_at = timezone.now()
    period.save()
    with pytest.raises(ValidationError, match="closed"):
        generate(world, period)
    assert not models.Lesson.objects.exists()


def test_a_period_of_other_grade_levels_is_refused(world, maths, monday):
    senior = f.ReportingPeriodFactory(
        school_year=world.year, kind="half_year", starts_on=monday, ends_on=monday + 4 * WEEK, min_grade=10
    )
    entry_of(world, maths)
    with pytest.raises(ValidationError, match="grade 5"):
        generate(world, senior)
    # The whole school's generation for that period leaves 5А alone.
    assert services.lessons_generate(period=senior, by=world.admin.user).created == 0


# --- Regeneration --------------------------------------------------------------------------------


def _record_on(world, lessons):
    """A mark, an attendance entry, homework, a topic and a cancellation, one on each lesson."""
    marked, attended, with_homework, with_topic, cancelled = lessons
    work_type = f.WorkTypeFactory(school=world.school)
    models.Mark.objects.create(
        school=world.school,
        lesson=marked,
        student=world.student,
        subject=marked.subject,
        date=marked.date,
        value=5,
        work_type=work_type,
        recorded_by=world.teacher.user,
    )
    models.Attendance.objects.create(
        school=world.school,
        lesson=attended,
        student=world.student,
        date=attended.date,
        code="н",
        recorded_by=world.teacher.user,
    )
    models.Homework.objects.create(
        school=world.school, lesson=with_homework, text="№ 245", recorded_by=world.teacher.user
    )
    models.Lesson.objects.filter(pk=with_topic.pk).update(topic="Дроби")
    lesson_changes.lesson_cancel(lesson=cancelled, reason="Карантин", by=world.admin.user)


def test_regeneration_keeps_lessons_with_records_and_replaces_the_others(world, maths, monday):
    period = f.ReportingPeriodFactory(school_year=world.year, starts_on=monday, ends_on=monday + 6 * WEEK - DAY)
    entry = entry_of(world, maths)
    generate(world, period)
    lessons = list(models.Lesson.objects.order_by("date"))
    _record_on(world, lessons[:5])
    unused = lessons[5]
    # The timetable moves the lesson from Monday to Tuesday.
    services.timetable_entry_update(entry=entry, weekday=2, number=1, subject=maths, teacher=world.teacher, by=None)

    result = generate(world, period)

    assert result == services.GenerationResult(created=6, removed=1, kept=5, unchanged=0)
    remaining = set(models.Lesson.objects.values_list("pk", flat=True))
    assert {lesson.pk for lesson in lessons[:5]} <= remaining
    assert unused.pk not in remaining
    assert lesson_dates(date__week_day=3) == [monday + DAY + n * WEEK for n in range(6)]  # Tuesdays
    assert models.Lesson.objects.get(pk=lessons[4].pk).is_cancelled


def test_regeneration_is_idempotent(world, maths, period):
    entry_of(world, maths)
    entry_of(world, maths, weekday=4, number=5, parity="even")
    first = generate(world, period)
    lessons = set(models.Lesson.objects.values_list("pk", flat=True))
    second = generate(world, period)
    assert second == services.GenerationResult(created=0, removed=0, kept=0, unchanged=first.created)
    assert set(models.Lesson.objects.values_list("pk", flat=True)) == lessons


def test_a_new_teacher_replaces_unused_lessons_and_leaves_those_with_records(world, maths, period, monday):
    entry = entry_of(world, maths)
    generate(world, period)
    held = models.Lesson.objects.get(date=monday)
    models.Lesson.objects.filter(pk=held.pk).update(topic="Натуральные числа")
    newcomer = f.EmployeeFactory(school=world.school)
    services.timetable_entry_update(entry=entry, weekday=1, number=1, subject=maths, teacher=newcomer, by=None)
    result = generate(world, period)
    assert (result.created, result.removed, result.kept) == (3, 3, 1)
    assert models.Lesson.objects.get(pk=held.pk).teacher == world.teacher
    assert set(models.Lesson.objects.exclude(pk=held.pk).values_list("teacher", flat=True)) == {newcomer.pk}


def test_a_moved_lesson_is_not_made_again_on_its_old_date(world, maths, period, monday):
    entry_of(world, maths)
    generate(world, period)
    lesson = models.Lesson.objects.get(date=monday + WEEK)
    lesson_changes.lesson_move(lesson=lesson, date=monday + WEEK + DAY, reason="Экскурсия", by=world.admin.user)
    result = generate(world, period)
    assert (result.created, result.removed, result.kept) == (0, 0, 1)
    assert monday + WEEK not in lesson_dates()


# --- The timetable's rules -------------------------------------------------------------------------


def test_a_class_cannot_have_two_lessons_in_one_slot(world, maths):
    entry_of(world, maths)
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    with pytest.raises(ValidationError, match="5А already has Математика at this time"):
        entry_of(world, russian, world.class_teacher)
    # Odd and even weeks share a slot; a subgroup clashes with its class.
    entry_of(world, russian, world.class_teacher, number=2, parity="odd")
    entry_of(world, maths, number=2, parity="even")
    group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup")
    with pytest.raises(ValidationError, match="already has"):
        entry_of(world, russian, world.other_teacher, class_unit=None, study_group=group)
    assert models.TimetableEntry.objects.count() == 3


def test_a_teacher_is_not_in_two_places_at_once(world, maths):
    entry_of(world, maths)
    with pytest.raises(ValidationError) as caught:
        entry_of(world, maths, class_unit=world.class_6b)
    assert "already teaches 5А at this time" in caught.value.message_dict["teacher"][0]
    # In weeks of the other parity, or on another shift whose bells do not overlap, they are free.
    entry_of(world, maths, class_unit=world.class_6b, number=2, parity="odd")
    entry_of(world, maths, number=2, parity="even")
    for number in (1, 2):
        f.BellPeriodFactory(school_year=world.year, shift=1, number=number)
    f.BellPeriodFactory(school_year=world.year, shift=2, number=1, starts_at="14:00", ends_at="14:45")
    world.class_6b.shift = 2
    world.class_6b.save()
    entry_of(world, maths, class_unit=world.class_6b)
    assert models.TimetableEntry.objects.count() == 4


def test_the_teacher_and_subject_must_be_of_the_school(world, maths):
    stranger = f.EmployeeFactory(school=world.other_school)
    with pytest.raises(ValidationError) as caught:
        entry_of(world, maths, stranger)
    assert "teacher" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        entry_of(world, maths, world.admin)  # an administrator who does not teach
    assert "teacher" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        entry_of(world, maths, weekday=7, number=13)
    assert set(caught.value.message_dict) == {"weekday", "number"}
    assert not models.TimetableEntry.objects.exists()


def test_an_entry_without_a_teaching_assignment_is_flagged(world, maths):
    entry_of(world, maths)
    entry_of(world, f.SubjectFactory(school=world.school, name="Физика"), number=2)
    grid = selectors.timetable_grid(world.class_5a)
    assert [entry.subject.name for entry in grid.unassigned] == ["Физика"]


def test_removing_an_entry_removes_its_unused_lessons_and_keeps_the_rest(world, maths, period, monday):
    entry = entry_of(world, maths)
    generate(world, period)
    held = models.Lesson.objects.get(date=monday)
    models.Lesson.objects.filter(pk=held.pk).update(topic="Натуральные числа")
    assert services.timetable_entry_delete(entry=entry, by=world.admin.user) == 3
    assert list(models.Lesson.objects.all()) == [held]
    held.refresh_from_db()
    assert held.timetable_entry is None
    assert not models.TimetableEntry.objects.exists()


def test_the_bell_schedule_of_a_shift_is_set_replaced_and_checked(world):
    t = datetime.time
    services.bell_period_set(
        school_year=world.year, shift=1, periods=[(1, t(8, 30), t(9, 15)), (2, t(9, 25), t(10, 10))], by=None
    )
    services.bell_period_set(school_year=world.year, shift=1, periods=[(1, t(8, 0), t(8, 45))], by=None)
    assert list(models.BellPeriod.objects.values_list("number", "starts_at")) == [(1, t(8, 0))]
    with pytest.raises(ValidationError, match="Lesson 2 starts before lesson 1 ends"):
        services.bell_period_set(
            school_year=world.year, shift=1, periods=[(1, t(8, 0), t(8, 45)), (2, t(8, 40), t(9, 25))], by=None
        )
    assert models.BellPeriod.objects.count() == 1


# --- The pages -----------------------------------------------------------------------------------


def grid_url(class_unit):
    return reverse("gradebook:timetable-class", kwargs={"public_id": class_unit.public_id})


def entry_post(world, subject, teacher, **extra):
    data = {
        "weekday": 2,
        "number": 3,
        "subject": subject.public_id,
        "teacher": teacher.public_id,
        "room": "12",
        "parity": "every",
    }
    return {**data, **extra}


def test_the_class_grid_shows_the_week_and_the_administrator_adds_an_entry(client, world, maths):
    f.BellPeriodFactory(school_year=world.year, number=3)
    client.force_login(world.admin.user)
    response = client.post(grid_url(world.class_5a), entry_post(world, maths, world.teacher))
    assert response.status_code == 302
    entry = models.TimetableEntry.objects.get()
    assert (entry.class_unit, entry.weekday, entry.number, entry.room) == (world.class_5a, 2, 3, "12")
    page = client.get(grid_url(world.class_5a)).content.decode()
    for text in ("Timetable of 5А", "Tuesday", "Математика", world.teacher.short_name, "room 12", "10:20–11:05"):
        assert text in page


def test_a_clash_on_the_page_is_explained_and_nothing_is_saved(client, world, maths):
    entry_of(world, maths, weekday=2, number=3)
    client.force_login(world.admin.user)
    response = client.post(grid_url(world.class_6b), entry_post(world, maths, world.teacher))
    assert response.status_code == 200
    assert "already teaches 5А at this time" in response.content.decode()
    assert models.TimetableEntry.objects.count() == 1


def test_the_administrator_edits_and_removes_an_entry(client, world, maths):
    entry = entry_of(world, maths)
    client.force_login(world.admin.user)
    edit = client.get(grid_url(world.class_5a), {"edit": entry.pk})
    assert "Edit the entry" in edit.content.decode()
    response = client.post(grid_url(world.class_5a), entry_post(world, maths, world.teacher, entry=entry.pk))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.weekday, entry.number) == (2, 3)
    client.post(grid_url(world.class_5a), {"entry": entry.pk, "action": "delete"})
    assert not models.TimetableEntry.objects.exists()


def test_an_entry_of_another_class_is_not_found_from_this_page(client, world, maths):
    other = entry_of(world, maths, world.other_teacher, class_unit=world.class_6b)
    client.force_login(world.admin.user)
    response = client.post(grid_url(world.class_5a), {"entry": other.pk, "action": "delete"})
    assert response.status_code == 404
    assert models.TimetableEntry.objects.filter(pk=other.pk).exists()


def test_staff_read_the_timetable_and_change_nothing(client, world, maths):
    entry_of(world, maths)
    client.force_login(world.staff.user)
    page = client.get(grid_url(world.class_5a)).content.decode()
    assert "Математика" in page
    assert "Add an entry" not in page
    assert client.post(grid_url(world.class_5a), entry_post(world, maths, world.teacher)).status_code == 403
    bells = reverse("gradebook:bell-schedule")
    assert client.post(bells, {"bells-TOTAL_FORMS": 0, "bells-INITIAL_FORMS": 0}).status_code == 403
    assert models.TimetableEntry.objects.count() == 1


def test_the_administrator_sets_the_bells_of_a_shift(client, world):
    client.force_login(world.admin.user)
    url = reverse("gradebook:bell-schedule")
    data = {"bells-TOTAL_FORMS": 3, "bells-INITIAL_FORMS": 0, "bells-MIN_NUM_FORMS": 0, "bells-MAX_NUM_FORMS": 13}
    data.update({"bells-0-number": 1, "bells-0-starts_at": "08:30", "bells-0-ends_at": "09:15"})
    data.update({"bells-1-number": 2, "bells-1-starts_at": "09:25", "bells-1-ends_at": "10:10"})
    response = client.post(f"{url}?shift=2", data)
    assert response.status_code == 302
    assert list(models.BellPeriod.objects.values_list("shift", "number")) == [(2, 1), (2, 2)]
    page = client.get(url).content.decode()
    assert "Shift 2" in page and "09:25" in page
    data["bells-1-starts_at"] = "09:00"
    response = client.post(f"{url}?shift=2", data)
    assert "Lesson 2 starts before lesson 1 ends" in response.content.decode()
    assert models.BellPeriod.objects.get(number=2).starts_at == datetime.time(9, 25)


def test_the_generate_page_makes_the_lessons_and_shows_the_counts(client, world, maths, period):
    entry_of(world, maths)
    client.force_login(world.admin.user)
    url = reverse("gradebook:lessons-generate", kwargs={"public_id": world.class_5a.public_id})
    response = client.post(url, {"period": period.public_id})
    assert response.status_code == 200
    assert models.Lesson.objects.count() == 4
    page = response.content.decode()
    assert "Lessons created" in page and "<dd>4</dd>" in page


def test_the_timetable_list_names_the_classes(client, world, maths):
    entry_of(world, maths)
    client.force_login(world.staff.user)
    page = client.get(reverse("gradebook:timetable-list")).content.decode()
    assert grid_url(world.class_5a) in page and grid_url(world.class_6b) in page


def test_the_class_grid_query_budget(client, world, maths, django_assert_max_num_queries):
    """The grid reads in a fixed number of queries, whatever the number of entries."""
    client.force_login(world.admin.user)
    url = grid_url(world.class_5a)
    client.get(url)
    for number in range(1, 8):
        f.BellPeriodFactory(school_year=world.year, number=number)
    group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup")
    for weekday in range(1, 7):
        for number in range(1, 7):
            teacher = f.EmployeeFactory(school=world.school)
            subject = f.SubjectFactory(school=world.school, name=f"Предмет {weekday}-{number}")
            entry_of(world, subject, teacher, weekday=weekday, number=number, parity="odd")
            entry_of(
                world,
                subject,
                teacher,
                class_unit=None,
                study_group=group,
                weekday=weekday,
                number=number,
                parity="even",
            )
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.content.decode().count("Предмет 6-6") >= 2
