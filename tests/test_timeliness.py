"""The administrator's view of the journal's timeliness, on a constructed fortnight.

Rows are created at chosen moments with ``time_machine`` (``created_at`` is set on insert), on the
school's clock (Moscow, UTC+3): midnight in Moscow is 21:00 UTC the day before.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from gradebook.models import Lesson
from gradebook.selectors import timeliness as selectors

from . import factories as f

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
URL = reverse("gradebook:timeliness")
TODAY = datetime.date(2026, 10, 12)  # a Monday; the default range is 28.09–11.10
MON, TUE, WED, THU, FRI = (datetime.date(2026, 10, 5) + datetime.timedelta(days=n) for n in range(5))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW)


def held(class_unit, teacher, subject, day, number, *, topic_at=None, attendance_at=None, homework_at=None, **extra):
    """A lesson, its topic, first attendance entry and homework entered at the given moments."""
    lesson = f.LessonFactory(
        class_unit=extra.pop("class_unit_override", class_unit),
        study_group=extra.pop("study_group", None),
        teacher=teacher,
        subject=subject,
        date=day,
        number=number,
        **extra,
    )
    if topic_at:
        Lesson.objects.filter(pk=lesson.pk).update(topic="Тема урока", topic_entered_at=topic_at)
        lesson.refresh_from_db()
    student = f.StudentFactory(school=lesson.school)
    if attendance_at:
        with time_machine.travel(attendance_at, tick=False):
            f.AttendanceFactory(lesson=lesson, student=student)
    if homework_at:
        with time_machine.travel(homework_at, tick=False):
            f.HomeworkFactory(lesson=lesson)
    return lesson


@pytest.fixture
def fortnight(world):
    """World's maths teacher in 5А, with one problem of each kind and on-time lessons around them."""
    for number in range(1, 8):
        f.BellPeriodFactory(school_year=world.year, number=number)  # lesson 1 8:30–9:15, … 6 13:05–13:50
    maths = world.teacher.assignments.get().subject
    teacher, c5a = world.teacher, world.class_5a
    other = f.EmployeeFactory(school=world.school, surname="Помощникова")
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    group = f.StudyGroupFactory(school_year=world.year, class_unit=c5a, kind="subgroup", name="5А англ. 1")

    def ok(day, number, *, attendance_at=None, **extra):
        """On time, unless told otherwise."""
        who, what = extra.pop("teacher", teacher), extra.pop("subject", maths)
        return held(
            c5a, who, what, day, number, topic_at=at(day, 10), attendance_at=attendance_at or at(day, 9), **extra
        )

    lessons = {
        # all on time: attendance at 23:30 in Moscow (20:30 UTC) is still the lesson day; homework at 14:30 is
        # within an hour of the class's last lesson, the subgroup's 6th (ends 13:50)
        "on_time": held(c5a, teacher, maths, MON, 2, topic_at=at(MON, 10), attendance_at=at(MON, 23, 30),
                        homework_at=at(MON, 14, 30)),
        "subgroup": ok(MON, 6, homework_at=at(MON, 14, 40), teacher=other, subject=english,
                       class_unit_override=None, study_group=group),
        "no_topic": held(c5a, teacher, maths, TUE, 1),  # and no attendance entered at all
        # topic and attendance the next morning; homework at 13:50 when the day ended at 11:05 (lesson 3)
        "late": held(c5a, teacher, maths, WED, 3, topic_at=at(THU, 8), attendance_at=at(THU, 8, 5),
                     homework_at=at(WED, 13, 50)),
        "cancelled": held(c5a, teacher, maths, THU, 2, is_cancelled=True),
        # attendance at 00:30 in Moscow: 21:30 UTC, still Thursday in UTC, but Friday at school
        "after_midnight": ok(THU, 4, attendance_at=at(FRI, 0, 30)),
        "substituted": held(c5a, teacher, maths, FRI, 2, substitute=world.other_teacher, attendance_at=at(FRI, 9)),
        "today": held(c5a, teacher, maths, TODAY, 1),
        "other_school": held(None, world.other_school_admin, f.SubjectFactory(school=world.other_school),
                             MON, 1, class_unit_override=f.ClassUnitFactory(
                                 school_year=world.other_school.years.get())),
    }  # fmt: skip
    # control works: marked 9 days after (late), 3 days after (on time), not marked yet but the week is not over
    for key, day, marked_at in (
        ("marked_late", datetime.date(2026, 9, 28), at(datetime.date(2026, 10, 7), 16)),
        ("marked_on_time", datetime.date(2026, 9, 29), at(datetime.date(2026, 10, 2), 16)),
        ("not_due", FRI, None),
    ):
        lesson = ok(day, 5, subject=maths) if key != "not_due" else lessons["substituted"]
        lessons[key] = lesson
        f.ControlWorkFactory(class_unit=c5a, subject=maths, date=day, number=5, lesson=lesson)
        if marked_at:
            with time_machine.travel(marked_at, tick=False):
                f.MarkFactory(lesson=lesson, student=f.StudentFactory(school=world.school))
    # the class's last lesson on Wednesday is the 3rd: nothing else that day; other days have more
    for day in (MON, TUE, THU, FRI):
        ok(day, 3 if day != THU else 5, teacher=other, subject=english)
    return lessons


def _rows(world):
    start, end = selectors.default_range(TODAY)
    rows = selectors.timeliness_rows(world.school.__class__.objects.filter(pk=world.school.pk), start, end, TODAY)
    return {row.teacher: row for row in rows}


def test_the_report_counts_each_kind_of_lateness_per_conducting_teacher(world, fortnight):
    rows = _rows(world)
    maths = rows[world.teacher]
    # held: on_time, no_topic, late, after_midnight, marked_late, marked_on_time (cancelled, substituted and
    # today's lessons are not)
    assert maths.held == 6
    assert maths.without_topic == 1  # no_topic
    assert maths.topic_late == 1  # late
    assert maths.attendance_late == 3  # no_topic (nothing), late (next morning), after_midnight
    assert maths.homework_late == 1  # late
    assert maths.marks_late == 1  # marked_late
    assert maths.issues == 7
    substitute = rows[world.other_teacher]  # the substituted lesson counts for the substitute
    assert (substitute.held, substitute.without_topic, substitute.attendance_late, substitute.marks_late) == (
        1,
        1,
        0,
        0,
    )
    assert world.other_school_admin not in rows
    helper = next(row for teacher, row in rows.items() if teacher.surname == "Помощникова")
    assert (helper.held, helper.issues) == (5, 0)  # the subgroup's homework at 14:40 is on time
    assert next(iter(rows)) == world.teacher  # most problems first


def test_the_drill_down_lists_the_lessons_of_each_kind(world, fortnight):
    start, end = selectors.default_range(TODAY)
    detail = selectors.timeliness_detail(world.teacher, start, end, TODAY)
    assert detail.held == 6
    assert detail.without_topic == [fortnight["no_topic"]]
    assert detail.topic_late == [fortnight["late"]]
    assert detail.attendance_late == [fortnight["no_topic"], fortnight["late"], fortnight["after_midnight"]]
    assert detail.homework_late == [fortnight["late"]]
    assert detail.homework_late[0].homework_due == at(WED, 12, 5)  # lesson 3 ends 11:05, plus an hour
    assert detail.marks_late == [fortnight["marked_late"]]


def test_homework_without_a_bell_schedule_is_late_after_one_in_the_night(world):
    maths = world.teacher.assignments.get().subject
    evening = held(world.class_5a, world.teacher, maths, MON, 1, homework_at=at(MON, 23, 59))
    night = held(world.class_5a, world.teacher, maths, TUE, 1, homework_at=at(WED, 1, 5))
    detail = selectors.timeliness_detail(world.teacher, MON, FRI, TODAY)
    assert evening not in detail.homework_late
    assert detail.homework_late == [night]


def test_the_page_shows_the_counts_and_the_drill_down(client, world, fortnight):
    client.force_login(world.admin.user)
    with time_machine.travel(at(TODAY, 12), tick=False):
        response = client.get(URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert world.teacher.full_name in html and world.other_teacher.full_name in html
        assert world.other_school_admin.full_name not in html
        detail_url = f"teacher={world.teacher.public_id}"
        assert detail_url in html
        response = client.get(URL, {"teacher": str(world.teacher.public_id), "from": "2026-09-28", "to": "2026-10-11"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "07.10.2026" in html  # the late lesson, Wednesday
        assert "08.10.2026 08:05" in html  # when its attendance was entered
        # a range: only the first week, so the late Wednesday is gone from the counts
        response = client.get(URL, {"from": "2026-09-28", "to": "2026-10-04"})
        row = next(row for row in response.context["rows"] if row.teacher == world.teacher)
        assert (row.held, row.issues) == (2, 1)
        # the end is clamped to yesterday; a range that starts after it is an error
        response = client.get(URL, {"from": "2026-10-20"})
        assert response.context["rows"] is None and response.context["form"].errors


def test_staff_read_it_and_another_schools_teacher_is_not_found(client, world, fortnight):
    client.force_login(world.staff.user)
    with time_machine.travel(at(TODAY, 12), tick=False):
        assert client.get(URL).status_code == 200
        other_teacher = f.EmployeeFactory(school=world.other_school)
        assert client.get(URL, {"teacher": str(other_teacher.public_id)}).status_code == 404
        assert client.get(URL, {"teacher": "nope"}).status_code == 404
    client.force_login(world.teacher.user)
    assert client.get(URL).status_code == 403


def test_the_report_reads_a_bounded_number_of_queries(client, world, fortnight, django_assert_max_num_queries):
    client.force_login(world.admin.user)
    with time_machine.travel(at(TODAY, 12), tick=False):
        with django_assert_max_num_queries(15) as few:
            client.get(URL)
        maths = world.teacher.assignments.get().subject
        for n in range(8):
            teacher = f.EmployeeFactory(school=world.school)
            for day in (MON, TUE, WED):
                held(world.class_6b, teacher, maths, day, n % 6 + 1, topic_at=at(day, 10), homework_at=at(day, 20))
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(URL)
        assert len(response.context["rows"]) >= 10
        with django_assert_max_num_queries(12):
            client.get(URL, {"teacher": str(world.teacher.public_id)})


def test_everyone_present_said_on_the_day_is_on_time_said_later_is_late(world):
    """Attendance taken with no absence (the teacher's "everyone was present") counts, on its own day."""
    maths = world.teacher.assignments.get().subject
    present = held(world.class_5a, world.teacher, maths, MON, 1)
    late = held(world.class_5a, world.teacher, maths, TUE, 1)
    never = held(world.class_5a, world.teacher, maths, WED, 1)
    Lesson.objects.filter(pk=present.pk).update(attendance_taken_at=at(MON, 8, 35))
    Lesson.objects.filter(pk=late.pk).update(attendance_taken_at=at(WED, 0, 30))  # after midnight at school
    detail = selectors.timeliness_detail(world.teacher, MON, FRI, TODAY)
    assert detail.attendance_late == [late, never]
    assert detail.attendance_late[0].attendance_at == at(WED, 0, 30)
    (row,) = [row for row in _rows_between(world, MON, FRI) if row.teacher == world.teacher]
    assert row.attendance_late == 2


def _rows_between(world, start, end):
    return selectors.timeliness_rows(world.school.__class__.objects.filter(pk=world.school.pk), start, end, TODAY)
