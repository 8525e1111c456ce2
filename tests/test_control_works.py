"""Control works: planning (who, what is refused), the federal recommendations' warnings (each rule
triggered and not), the planner's confirmation, the teacher's list and the administrator's schedule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from gradebook import signals
from gradebook.models import ControlWork, ReportingPeriod, TimetableEntry
from gradebook.selectors import control_works as selectors
from gradebook.services import control_works as services
from gradebook.services.control_works import WarningFacts, WorkSlot, control_work_warnings

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

CREATE = reverse("gradebook:control-work-create")
LIST = reverse("gradebook:control-work-list")
SCHEDULE = reverse("gradebook:control-work-schedule")


@pytest.fixture
def monday(world):
    """A Monday five weeks into the school year."""
    day = world.year.starts_on + datetime.timedelta(weeks=5)
    return day - datetime.timedelta(days=day.weekday())


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def quarter(world):
    """Four equal quarters for grades 1–11 (ten weeks each)."""
    start = world.year.starts_on
    quarters = [
        f.ReportingPeriodFactory(
            school_year=world.year,
            number=n,
            starts_on=start + datetime.timedelta(weeks=10 * (n - 1)),
            ends_on=start + datetime.timedelta(weeks=10 * n, days=-1),
        )
        for n in (1, 2, 3, 4)
    ]
    return quarters[0]


@pytest.fixture
def sent():
    """The control_work_scheduled signals sent during the test."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.control_work_scheduled.connect(receiver)
    yield received
    signals.control_work_scheduled.disconnect(receiver)


def _day_of_lessons(class_unit, day, numbers=(1, 2, 3, 4, 5), subject=None, teacher=None):
    """A day of lessons of the class (Russian language, except ``subject`` at the middle number)."""
    school = class_unit.school_year.school
    russian = f.SubjectFactory(school=school, name="Русский язык")
    lessons = {}
    for number in numbers:
        lessons[number] = f.LessonFactory(
            class_unit=class_unit,
            date=day,
            number=number,
            subject=russian,
            teacher=teacher or f.EmployeeFactory(school=school),
        )
    return lessons


def _plan(world, monday, maths, **kwargs):
    values = {
        "class_unit": world.class_5a,
        "subject": maths,
        "date": monday,
        "topic": "Дроби",
        "by": world.teacher.user,
    }
    values.update(kwargs)
    return services.control_work_plan(**values)


def _warnings(world, maths, day, number=None, class_unit=None, subject=None, control_work=None):
    return selectors.planned_work_warnings(
        class_unit=class_unit or world.class_5a,
        study_group=None,
        subject=subject or maths,
        date=day,
        number=number,
        control_work=control_work,
    )


# --- Planning -------------------------------------------------------------------------------


def test_a_teacher_plans_for_their_class_and_the_lesson_is_linked(world, monday, maths, sent):
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=monday, number=3)
    work = _plan(world, monday, maths, topic="  Обыкновенные дроби ")
    assert work.lesson == lesson
    assert work.number == 3  # taken from the subject's lesson that day
    assert work.topic == "Обыкновенные дроби"
    assert work.school == world.school
    assert sent == [{"signal": signals.control_work_scheduled, "control_work": work, "by": world.teacher.user}]


def test_a_number_without_a_lesson_is_kept_and_nothing_linked(world, monday, maths):
    work = _plan(world, monday, maths, number=4)
    assert work.lesson is None and work.number == 4


def test_another_teachers_class_is_refused(world, monday, maths, sent):
    for user in (world.other_teacher.user, world.class_teacher.user, world.staff.user, world.parent.user):
        with pytest.raises(PermissionDenied):
            _plan(world, monday, maths, by=user)
    assert not ControlWork.objects.exists()
    assert sent == []


def test_an_administrator_plans_for_any_class_of_their_school(world, monday, maths):
    assert _plan(world, monday, maths, by=world.admin.user).pk
    with pytest.raises(PermissionDenied):
        _plan(world, monday, maths, by=world.other_school_admin.user)


def test_grade_1_writes_no_control_works(world, monday, maths, sent):
    class_1a = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="А")
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=maths, class_unit=class_1a)
    with pytest.raises(ValidationError, match="Grade 1"):
        _plan(world, monday, maths, class_unit=class_1a)
    assert not ControlWork.objects.exists() and sent == []


def test_a_date_outside_the_year_on_a_sunday_or_in_the_holidays_is_refused(world, monday, maths):
    f.HolidayFactory(
        school_year=world.year,
        name="Осенние каникулы",
        starts_on=monday,
        ends_on=monday.replace() + datetime.timedelta(days=6),
    )
    for day, message in (
        (world.year.starts_on - datetime.timedelta(days=1), "outside the school year"),
        (monday - datetime.timedelta(days=1), "Sunday"),
        (monday + datetime.timedelta(days=2), "Осенние каникулы"),
    ):
        with pytest.raises(ValidationError, match=message):
            _plan(world, day, maths)
    assert not ControlWork.objects.exists()


def test_holidays_of_other_grade_levels_do_not_refuse(world, monday, maths):
    f.HolidayFactory(
        school_year=world.year,
        name="Дополнительные каникулы",
        starts_on=monday,
        ends_on=monday,
        min_grade=1,
        max_grade=1,
    )
    assert _plan(world, monday, maths).pk


def test_update_moves_the_work_and_announces_it_again_cancel_removes_it(world, monday, maths, sent):
    work = _plan(world, monday, maths, number=2)
    tuesday = monday + datetime.timedelta(days=1)
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=tuesday, number=5)
    services.control_work_update(
        control_work=work, date=tuesday, number=None, topic="Дроби", kind="test", by=world.teacher.user
    )
    work.refresh_from_db()
    assert (work.date, work.number, work.lesson) == (tuesday, 5, lesson)
    assert len(sent) == 2
    services.control_work_update(
        control_work=work, date=tuesday, number=5, topic="Десятичные дроби", kind="test", by=world.teacher.user
    )
    assert len(sent) == 2  # a new topic only: no new announcement
    with pytest.raises(PermissionDenied):
        services.control_work_cancel(control_work=work, by=world.other_teacher.user)
    services.control_work_cancel(control_work=work, by=world.teacher.user)
    assert not ControlWork.objects.exists()


# --- The warnings, one rule at a time --------------------------------------------------------


def test_rule_one_a_day_per_class(world, monday, maths):
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    f.ControlWorkFactory(class_unit=world.class_5a, subject=russian, date=monday, number=4)
    warnings = _warnings(world, maths, monday, number=2)
    assert len(warnings) == 1 and "More than one control work" in warnings[0] and "5А, Русский язык" in warnings[0]
    # not triggered: another day, another class
    assert _warnings(world, maths, monday + datetime.timedelta(days=1), number=2) == []
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=maths, class_unit=world.class_6b)
    assert _warnings(world, maths, monday, number=2, class_unit=world.class_6b) == []


def test_rule_one_two_groups_of_a_class_are_different_students(world, monday, maths):
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    group_1 = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup", name="5А англ. 1")
    group_2 = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup", name="5А англ. 2")
    f.ControlWorkFactory(class_unit=None, study_group=group_1, subject=english, date=monday, number=3)
    same_day = {"study_group": group_2, "class_unit": None, "subject": english, "date": monday, "number": 3}
    assert selectors.planned_work_warnings(**same_day) == []
    # … but the whole class on that day is the same students as group 1
    assert any("More than one" in w for w in _warnings(world, maths, monday, number=2))


def test_rule_not_in_the_first_or_last_lesson(world, monday, maths):
    _day_of_lessons(world.class_5a, monday)
    f.TimetableEntryFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, weekday=1, number=3)
    f.TimetableEntryFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, weekday=3, number=2)
    first = _warnings(world, maths, monday, number=1)
    last = _warnings(world, maths, monday, number=5)
    assert first == ["In the first lesson of the day (lesson 1)."]
    assert last == ["In the last lesson of the day (lesson 5)."]
    assert _warnings(world, maths, monday, number=3) == []


def test_rule_first_or_last_lesson_is_fine_for_a_subject_with_one_lesson_a_week(world, monday, maths):
    _day_of_lessons(world.class_5a, monday)
    f.TimetableEntryFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, weekday=1, number=1)
    assert _warnings(world, maths, monday, number=1) == []
    # alternate weeks count half: one weekly plus one fortnightly lesson is more than one a week
    f.TimetableEntryFactory(
        class_unit=world.class_5a,
        subject=maths,
        teacher=world.teacher,
        weekday=4,
        number=2,
        parity=TimetableEntry.Parity.ODD,
    )
    assert _warnings(world, maths, monday, number=1) == ["In the first lesson of the day (lesson 1)."]


def test_rule_first_lesson_reads_the_timetable_when_no_lessons_are_generated(world, monday, maths):
    for number in (1, 2, 3, 4):
        f.TimetableEntryFactory(
            class_unit=world.class_5a,
            teacher=world.teacher,
            weekday=1,
            number=number,
            subject=maths if number in (1, 3) else f.SubjectFactory(school=world.school, name="ИЗО"),
        )
    assert _warnings(world, maths, monday, number=4) == ["In the last lesson of the day (lesson 4)."]
    assert _warnings(world, maths, monday, number=2) == []


def test_rule_one_per_subject_per_grade_level_every_two_and_a_half_weeks(world, monday, maths):
    class_5b = f.ClassUnitFactory(school_year=world.year, grade_level=5, letter="Б")
    f.ControlWorkFactory(class_unit=class_5b, subject=maths, date=monday - datetime.timedelta(days=16), number=3)
    warnings = _warnings(world, maths, monday, number=3)
    assert len(warnings) == 1 and "2.5 weeks" in warnings[0] and "5Б, Математика" in warnings[0]
    # not triggered: 17 days away, another subject, another grade level, the same day in another class
    assert _warnings(world, maths, monday + datetime.timedelta(days=1), number=3) == []
    physics = f.SubjectFactory(school=world.school, name="Физика")
    assert _warnings(world, physics, monday, number=3) == []
    f.ControlWorkFactory(class_unit=world.class_6b, subject=maths, date=monday + datetime.timedelta(days=3))
    f.ControlWorkFactory(class_unit=class_5b, subject=maths, date=monday + datetime.timedelta(days=21))
    assert _warnings(world, maths, monday + datetime.timedelta(days=21), number=3) == []


def test_rule_ten_percent_of_the_hours_from_the_periods_curriculum(world, monday, maths, quarter):
    f.CurriculumLineFactory(school_year=world.year, subject=maths, grade_level=5, period=quarter, planned_hours=20)
    f.ControlWorkFactory(class_unit=world.class_5a, subject=maths, date=quarter.starts_on + datetime.timedelta(days=1))
    assert _warnings(world, maths, monday, number=3) == []  # 2 of 20 hours: 10 %, not more
    f.ControlWorkFactory(class_unit=world.class_5a, subject=maths, date=quarter.ends_on - datetime.timedelta(days=1))
    warnings = _warnings(world, maths, monday, number=3)
    assert warnings == ["3 control works in this subject in the period: more than 10% of its 20 hours."]
    # the class's own line comes before the grade level's
    f.CurriculumLineFactory(
        school_year=world.year,
        subject=maths,
        grade_level=None,
        class_unit=world.class_5a,
        period=quarter,
        planned_hours=40,
    )
    assert _warnings(world, maths, monday, number=3) == []


def test_rule_ten_percent_prorates_a_year_line(world, maths, quarter):
    f.CurriculumLineFactory(school_year=world.year, subject=maths, grade_level=5, planned_hours=136)  # 34 a quarter
    for week in (0, 3):
        f.ControlWorkFactory(
            class_unit=world.class_5a, subject=maths, date=quarter.starts_on + datetime.timedelta(weeks=week)
        )
    day = quarter.starts_on + datetime.timedelta(weeks=6)
    assert _warnings(world, maths, day, number=3) == []  # 3 of 34 hours
    f.ControlWorkFactory(class_unit=world.class_5a, subject=maths, date=quarter.starts_on + datetime.timedelta(weeks=9))
    assert _warnings(world, maths, day, number=3) == [
        "4 control works in this subject in the period: more than 10% of its 34 hours."
    ]


def test_rule_ten_percent_counts_the_periods_lessons_without_a_curriculum(world, monday, maths, quarter):
    for day in range(12):
        f.LessonFactory(
            class_unit=world.class_5a,
            subject=maths,
            teacher=world.teacher,
            date=quarter.starts_on + datetime.timedelta(days=day),
            number=6,
        )
    f.ControlWorkFactory(class_unit=world.class_5a, subject=maths, date=quarter.starts_on)
    assert _warnings(world, maths, monday, number=3) == [
        "2 control works in this subject in the period: more than 10% of its 12 hours."
    ]
    f.LessonFactory(
        class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=monday, number=7, is_cancelled=True
    )
    for day in range(8):
        f.LessonFactory(
            class_unit=world.class_5a,
            subject=maths,
            teacher=world.teacher,
            date=quarter.starts_on + datetime.timedelta(days=day + 20),
            number=6,
        )
    assert _warnings(world, maths, monday, number=3) == []  # 2 of 20 lessons


def test_moving_a_work_does_not_warn_about_itself(world, monday, maths, quarter):
    f.CurriculumLineFactory(school_year=world.year, subject=maths, grade_level=5, period=quarter, planned_hours=10)
    work = _plan(world, monday, maths, number=3)
    assert _warnings(world, maths, monday + datetime.timedelta(days=1), number=3, control_work=work) == []
    assert len(_warnings(world, maths, monday + datetime.timedelta(days=1), number=3)) == 2  # 2.5 weeks, 10 %


def test_the_rules_are_a_pure_function():
    day = datetime.date(2026, 10, 5)

    def slot(pk, **kw):
        values = {
            "id": pk,
            "class_unit_id": 1,
            "study_group_id": None,
            "class_ids": frozenset({1}),
            "grade_level": 5,
            "subject_id": 1,
            "date": day,
            "number": 3,
            "period_id": 7,
            "label": f"work {pk}",
        }
        values.update(kw)
        return WorkSlot(**values)

    facts = WarningFacts(
        works=[slot(1), slot(2, subject_id=2, number=4)],
        day_lessons={(1, day): (1, 6)},
        lessons_a_week={(("class", 1), 1): Decimal(4)},
        period_hours={(("class", 1), 1, 7): Decimal(40)},
    )
    assert control_work_warnings(slot(1), facts) == [
        "More than one control work on 10/05/2026 for the same students: also work 2."
    ]
    assert len(control_work_warnings(slot(None, number=6), facts)) == 2  # the other two, and the last lesson
    assert control_work_warnings(slot(1, class_ids=frozenset({2}), class_unit_id=2), WarningFacts()) == []


# --- The planner's pages ----------------------------------------------------------------------


def _target(world, maths):
    return f"class:{world.class_5a.public_id}:{maths.public_id}"


def test_the_planner_offers_the_teachers_own_assignments_only(client, world, maths):
    f.TeachingAssignmentFactory(
        teacher=world.teacher, subject=maths, class_unit=f.ClassUnitFactory(school_year=world.year, grade_level=1)
    )
    client.force_login(world.teacher.user)
    html = client.get(CREATE).content.decode()
    assert _target(world, maths) in html
    assert str(world.class_6b.public_id) not in html
    assert html.count('value="class:') == 1  # grade 1 is not offered


def test_the_planner_shows_the_warnings_and_plans_once_confirmed(client, world, monday, maths, sent):
    f.ControlWorkFactory(
        class_unit=world.class_5a, subject=f.SubjectFactory(school=world.school, name="Биология"), date=monday
    )
    client.force_login(world.teacher.user)
    data = {
        "target": _target(world, maths),
        "date": monday.isoformat(),
        "number": "3",
        "topic": "Дроби",
        "kind": "test",
    }
    response = client.post(CREATE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "5А, Биология" in html and 'name="confirm"' in html
    assert ControlWork.objects.count() == 1
    digest = response.context["form"].warnings_digest
    # confirming other warnings than those shown does not plan
    response = client.post(CREATE, {**data, "confirm": "on", "acknowledged": "something else"})
    assert ControlWork.objects.count() == 1
    response = client.post(CREATE, {**data, "confirm": "on", "acknowledged": digest})
    assert response.status_code == 302 and response["Location"] == LIST
    assert ControlWork.objects.filter(subject=maths, class_unit=world.class_5a, number=3).exists()
    assert len(sent) == 1


def test_the_planner_plans_at_once_without_warnings_and_refuses_errors(client, world, monday, maths):
    client.force_login(world.teacher.user)
    data = {"target": _target(world, maths), "date": monday.isoformat(), "number": "", "topic": "Дроби", "kind": "test"}
    assert client.post(CREATE, data).status_code == 302
    sunday = monday + datetime.timedelta(days=6)
    response = client.post(CREATE, {**data, "date": sunday.isoformat()})
    assert response.status_code == 200 and response.context["form"].errors["date"]
    response = client.post(CREATE, {**data, "target": f"class:{world.class_6b.public_id}:{maths.public_id}"})
    assert response.context["form"].errors["target"]
    assert ControlWork.objects.count() == 1


def test_the_list_shows_the_teachers_works_not_others(client, world, monday, maths):
    today = timezone.localdate()
    mine = f.ControlWorkFactory(
        class_unit=world.class_5a, subject=maths, date=today + datetime.timedelta(days=3), topic="Моя контрольная"
    )
    f.ControlWorkFactory(
        class_unit=world.class_6b, subject=maths, date=today + datetime.timedelta(days=3), topic="Чужая контрольная"
    )
    f.ControlWorkFactory(
        class_unit=world.class_5a, subject=maths, date=today - datetime.timedelta(days=3), topic="Прошлая контрольная"
    )
    client.force_login(world.teacher.user)
    html = client.get(LIST).content.decode()
    assert "Моя контрольная" in html and "Чужая контрольная" not in html and "Прошлая контрольная" not in html
    assert reverse("gradebook:control-work-edit", kwargs={"public_id": mine.public_id}) in html
    assert "Прошлая контрольная" in client.get(LIST, {"past": "1"}).content.decode()


def test_edit_and_cancel_pages(client, world, monday, maths):
    work = f.ControlWorkFactory(class_unit=world.class_5a, subject=maths, date=monday, number=2)
    url = reverse("gradebook:control-work-edit", kwargs={"public_id": work.public_id})
    client.force_login(world.other_teacher.user)
    assert client.get(url).status_code == 404
    client.force_login(world.teacher.user)
    assert "Обыкновенные дроби" in client.get(url).content.decode()
    tuesday = monday + datetime.timedelta(days=1)
    response = client.post(url, {"date": tuesday.isoformat(), "number": "3", "topic": "Дроби", "kind": "dictation"})
    assert response.status_code == 302
    work.refresh_from_db()
    assert (work.date, work.number, work.kind) == (tuesday, 3, "dictation")
    cancel = reverse("gradebook:control-work-cancel", kwargs={"public_id": work.public_id})
    assert client.get(cancel).status_code == 405
    assert client.post(cancel).status_code == 302
    assert not ControlWork.objects.exists()


# --- The administrator's schedule ------------------------------------------------------------


def _schedule_world(world, quarter, maths, grade, classes, works_per_class):
    """Classes of a grade level with lessons and control works in the quarter, three weeks apart; the first
    work of each class in its first lesson."""
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    first_monday = quarter.starts_on + datetime.timedelta(days=(7 - quarter.starts_on.weekday()) % 7)
    for n in range(classes):
        class_unit = f.ClassUnitFactory(school_year=world.year, grade_level=grade, letter=chr(ord("А") + n))
        for w in range(works_per_class):
            day = first_monday + datetime.timedelta(weeks=3 * w, days=n % 5)
            for number in (1, 2, 3):
                f.LessonFactory(class_unit=class_unit, date=day, number=number, subject=russian, teacher=world.teacher)
            f.ControlWorkFactory(
                class_unit=class_unit, subject=maths, date=day, number=1 if w == 0 else 2, topic=f"Тема {n}-{w}"
            )


def test_the_schedule_shows_each_work_with_its_warnings(client, world, monday, maths, quarter):
    f.ReportingPeriodFactory(
        school_year=world.year,
        kind=ReportingPeriod.Kind.YEAR,
        number=1,
        starts_on=world.year.starts_on,
        ends_on=world.year.ends_on,
    )
    _day_of_lessons(world.class_5a, monday)
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    first = f.ControlWorkFactory(
        class_unit=world.class_5a, subject=maths, date=monday, number=1, topic="Дроби в первом уроке"
    )
    fine = f.ControlWorkFactory(
        class_unit=world.class_6b, subject=russian, date=monday, number=3, topic="Диктант без замечаний"
    )
    f.ControlWorkFactory(
        class_unit=world.class_6b,
        subject=russian,
        date=quarter.ends_on + datetime.timedelta(days=5),
        topic="Следующая четверть",
    )
    client.force_login(world.admin.user)
    response = client.get(SCHEDULE, {"period": str(quarter.public_id)})
    assert response.status_code == 200
    schedule = response.context["schedule"]
    rows = {row.work: row.warnings for grade in schedule.grades for unit in grade.units for row in unit.rows}
    assert rows[first] == ["In the first lesson of the day (lesson 1)."]
    assert rows[fine] == []
    assert len(rows) == 2  # the next quarter's work is not in this one
    html = response.content.decode()
    assert "Дроби в первом уроке" in html and "Диктант без замечаний" in html and "Следующая четверть" not in html
    assert (
        html.index("Дроби в первом уроке")
        < html.index("In the first lesson of the day")
        < html.index("Диктант без замечаний")
    )
    # the grade filter
    response = client.get(SCHEDULE, {"period": str(quarter.public_id), "grade": "6"})
    assert (
        "Диктант без замечаний" in response.content.decode() and "Дроби в первом уроке" not in response.content.decode()
    )


def test_the_schedule_defaults_to_the_running_period_and_hides_other_schools(client, world, quarter):
    client.force_login(world.staff.user)
    response = client.get(SCHEDULE)
    assert response.status_code == 200
    assert response.context["schedule"].period in ReportingPeriod.objects.filter(school_year=world.year)
    client.force_login(world.other_school_admin.user)
    assert client.get(SCHEDULE, {"period": str(quarter.public_id)}).status_code == 404
    assert client.get(SCHEDULE, {"period": "not-a-uuid"}).status_code == 404


def test_the_schedule_reads_a_bounded_number_of_queries(client, world, maths, quarter, django_assert_max_num_queries):
    _schedule_world(world, quarter, maths, grade=7, classes=2, works_per_class=2)
    client.force_login(world.admin.user)
    with django_assert_max_num_queries(30) as small:
        client.get(SCHEDULE, {"period": str(quarter.public_id)})
    _schedule_world(world, quarter, maths, grade=8, classes=4, works_per_class=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(SCHEDULE, {"period": str(quarter.public_id)})
    assert response.context["schedule"].count == 4 + 12
    assert response.context["schedule"].warned >= 4


def test_the_teachers_pages_read_a_bounded_number_of_queries(client, world, maths, django_assert_max_num_queries):
    today = timezone.localdate()
    client.force_login(world.teacher.user)

    def add(n):
        for day in range(n):
            group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup")
            f.TeachingAssignmentFactory(teacher=world.teacher, subject=maths, class_unit=None, study_group=group)
            f.ControlWorkFactory(
                class_unit=None, study_group=group, subject=maths, date=today + datetime.timedelta(days=day)
            )

    add(2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(LIST).status_code == 200
        assert client.get(CREATE).status_code == 200
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(LIST).content.decode() + client.get(CREATE).content.decode()
    assert html.count('value="group:') == 12
