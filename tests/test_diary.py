"""The family diary: the week, marks, timetable, control works, teachers, holidays, recommendations and
homework files, each through the access policy and within a query budget."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from gradebook.models import GradingSettings, LessonChange, PersonalDataAccess, Recommendation

from . import factories as f


@pytest.fixture
def english(client):
    """The pages in their English source strings: the tests read labels, not translations."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def monday(world) -> datetime.date:
    """A Monday in the third week of the world's school year."""
    start = world.year.starts_on
    return start + datetime.timedelta(days=(7 - start.weekday()) % 7 + 14)


@pytest.fixture
def diary(world, monday):
    """Subjects, work types, the bell schedule and a quarter around ``monday`` for the world's 5А."""

    class Diary:
        maths = world.teacher.assignments.get().subject
        russian = f.SubjectFactory(school=world.school, name="Русский язык")
        answer = f.WorkTypeFactory(school=world.school, name="Ответ на уроке", weight=Decimal("1"))
        test = f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))
        quarter = f.ReportingPeriodFactory(
            school_year=world.year,
            number=1,
            starts_on=monday - datetime.timedelta(days=14),
            ends_on=monday + datetime.timedelta(days=40),
            min_grade=2,
            max_grade=9,
        )

    for number in range(1, 8):
        f.BellPeriodFactory(school_year=world.year, shift=1, number=number)
    return Diary


def day(monday, offset: int) -> datetime.date:
    return monday + datetime.timedelta(days=offset)


def lesson(world, subject, date, number, **extra):
    extra.setdefault("teacher", world.teacher)
    if "study_group" in extra:
        extra.setdefault("class_unit", None)
    else:
        extra.setdefault("class_unit", world.class_5a)
    return f.LessonFactory(subject=subject, date=date, number=number, **extra)


def mark(world, lesson_, value, work_type, **extra):
    return f.MarkFactory(
        lesson=lesson_, student=world.student, value=value, work_type=work_type, recorded_by=world.teacher.user, **extra
    )


def url(name, world, **query):
    address = reverse(f"gradebook:{name}", kwargs={"public_id": world.student.public_id})
    if query:
        address += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return address


def lesson_item(html: str, text: str) -> str:
    """The ``<li class="lesson…">`` of the week that contains ``text``."""
    items = [chunk for chunk in re.split(r'(?=<li class="lesson)', html) if chunk.startswith('<li class="lesson')]
    found = [item.split("</ol>")[0] for item in items if text in item]
    assert found, f"no lesson with {text!r}"
    return found[0]


# --- The week ------------------------------------------------------------------------------------


def test_the_week_shows_each_days_lessons_with_time_teacher_topic_homework_marks_and_attendance(
    client, world, diary, monday, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first = lesson(world, diary.russian, monday, 1, teacher=world.class_teacher)
    second = lesson(world, diary.maths, monday, 2, topic="Сложение обыкновенных дробей")
    homework = f.HomeworkFactory(lesson=second, text="№ 245 и 246 на с. 61")
    file = f.HomeworkFileFactory(homework=homework, name="карточка.pdf")
    f.HomeworkFileFactory(homework=homework, name="старая.pdf", removed_at=datetime.datetime.now(datetime.UTC))
    mark(world, second, 5, diary.test)
    grading = GradingSettings.objects.create(school_year=world.year)
    grading.attendance_codes.create(code="н", name="отсутствовал(а)")
    f.AttendanceFactory(lesson=first, student=world.student, code="н", recorded_by=world.class_teacher.user)
    client.force_login(world.parent.user)

    response = client.get(url("diary-week", world, date=day(monday, 2).isoformat()))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Русский язык") < html.index("Математика"), "lessons in their order"
    maths = lesson_item(html, "Математика")
    assert "09:25–10:10" in maths, "the bell time of lesson 2 of the first shift"
    assert world.teacher.short_name in maths
    assert "Сложение обыкновенных дробей" in maths
    assert "№ 245 и 246 на с. 61" in maths
    file_url = reverse(
        "gradebook:homework-file", kwargs={"public_id": world.student.public_id, "file_public_id": file.public_id}
    )
    assert file_url in maths and "карточка.pdf" in maths
    assert "старая.pdf" not in html, "a removed file is not offered"
    assert 'class="mark-chip mark-5"' in maths
    assert "Контрольная работа" in maths and "×2" in maths, "the work type and its weight"
    russian = lesson_item(html, "Русский язык")
    assert "отсутствовал(а)" in russian, "the attendance code's name from the school's settings"
    assert 'class="lesson is-changed' not in html, "nothing changed this week"


def test_the_week_highlights_substitutions_moves_cancellations_and_extra_lessons(english, world, diary, monday):
    client = english
    substitute = f.EmployeeFactory(school=world.school, surname="Заменова", name="Инна", patronymic="Ильинична")
    substituted = lesson(world, diary.maths, day(monday, 1), 1, substitute=substitute)
    f.LessonChangeFactory(lesson=substituted, kind=LessonChange.Kind.SUBSTITUTION, old_teacher=world.teacher)
    moved = lesson(world, diary.russian, day(monday, 2), 3, is_moved=True, teacher=world.class_teacher)
    f.LessonChangeFactory(lesson=moved, kind=LessonChange.Kind.MOVE, old_date=day(monday, 1), old_number=4)
    cancelled = lesson(world, f.SubjectFactory(school=world.school, name="Музыка"), day(monday, 3), 2)
    cancelled.is_cancelled = True
    cancelled.save()
    lesson(world, f.SubjectFactory(school=world.school, name="Литература"), day(monday, 4), 6, is_extra=True)
    lesson(world, f.SubjectFactory(school=world.school, name="История"), day(monday, 4), 1)
    client.force_login(world.parent.user)

    html = client.get(url("diary-week", world, date=monday.isoformat())).content.decode()

    sub = lesson_item(html, "Математика")
    assert sub.startswith('<li class="lesson is-changed')
    assert "substitution" in sub
    assert f"Substitution: {substitute.short_name} instead of {world.teacher.short_name}" in " ".join(sub.split())
    now = lesson_item(html, "Moved from")
    assert now.startswith('<li class="lesson is-changed') and "Русский язык" in now
    assert "lesson 4" in now and "Tuesday" in now, "where it was, from the lesson change"
    ghost = lesson_item(html, "Moved to")
    assert "is-moved-away" in ghost and "<s>Русский язык</s>" in ghost and "lesson 3" in ghost
    tuesday = html.split(f'id="day-{day(monday, 1).isoformat()}"')[1].split("</section>")[0]
    assert "Moved to" in tuesday, "the old place stays visible on the old day"
    music = lesson_item(html, "Музыка")
    assert "is-cancelled" in music and "<s>Музыка</s>" in music and "cancelled" in music
    extra = lesson_item(html, "Литература")
    assert extra.startswith('<li class="lesson is-changed') and "extra lesson" in extra
    assert not lesson_item(html, "История").startswith('<li class="lesson is-changed')


def test_a_holiday_shows_its_name_on_its_days(english, world, diary, monday):
    f.HolidayFactory(school_year=world.year, name="Осенние каникулы", starts_on=day(monday, 3), ends_on=day(monday, 9))
    f.HolidayFactory(
        school_year=world.year, name="Дополнительные каникулы", starts_on=monday, ends_on=day(monday, 1), max_grade=1
    )
    english.force_login(world.student.user)

    html = english.get(url("diary-week", world, date=monday.isoformat())).content.decode()

    thursday = html.split(f'id="day-{day(monday, 3).isoformat()}"')[1].split("</section>")[0]
    assert "Осенние каникулы" in thursday
    wednesday = html.split(f'id="day-{day(monday, 2).isoformat()}"')[1].split("</section>")[0]
    assert "Осенние каникулы" not in wednesday
    assert "Дополнительные каникулы" not in html, "a first-grade holiday is not 5А's"


def test_the_week_runs_monday_to_saturday_with_links_to_the_weeks_around(client, world, diary, monday):
    client.force_login(world.parent.user)
    html = client.get(url("diary-week", world, date=day(monday, 3).isoformat())).content.decode()
    for offset in range(6):
        assert f'id="day-{day(monday, offset).isoformat()}"' in html
    assert f'id="day-{day(monday, 6).isoformat()}"' not in html, "no Sunday"
    assert f"?date={day(monday, -7).isoformat()}" in html
    assert f"?date={day(monday, 7).isoformat()}" in html
    for wrong in ("not-a-date", "9999-12-31", "0001-01-01"):
        assert client.get(url("diary-week", world, date=wrong)).status_code == 200, wrong


def test_the_week_holds_the_students_groups_and_an_individual_plan_on_the_days_they_belong(
    client, world, diary, monday
):
    english_1 = f.StudyGroupFactory(
        school_year=world.year, name="Английский, гр. 1", kind="subgroup", class_unit=world.class_5a
    )
    english_2 = f.StudyGroupFactory(
        school_year=world.year, name="Английский, гр. 2", kind="subgroup", class_unit=world.class_5a
    )
    own_plan = f.StudyGroupFactory(school_year=world.year, name="ИУП: черчение", kind="stream")
    f.StudyGroupMembershipFactory(group=english_1, student=world.student)
    f.StudyGroupMembershipFactory(group=own_plan, student=world.student, ends_on=day(monday, 1))
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    lesson(world, english, monday, 3, study_group=english_1, topic="Present Simple")
    lesson(world, english, monday, 4, study_group=english_2, topic="Past Simple")
    lesson(
        world,
        f.SubjectFactory(school=world.school, name="Черчение"),
        day(monday, 1),
        7,
        study_group=own_plan,
        topic="Проекции",
    )
    lesson(
        world,
        f.SubjectFactory(school=world.school, name="Черчение"),
        day(monday, 2),
        7,
        study_group=own_plan,
        topic="Сечения",
    )
    lesson(world, diary.maths, monday, 1, class_unit=world.class_6b, teacher=world.other_teacher, topic="Чужой урок")
    client.force_login(world.parent.user)

    html = client.get(url("diary-week", world, date=monday.isoformat())).content.decode()

    assert "Present Simple" in html
    assert "Past Simple" not in html, "another subgroup's lesson"
    assert "Проекции" in html, "the individual plan's group, while the student belongs to it"
    assert "Сечения" not in html, "after the membership ended"
    assert "Чужой урок" not in html


def test_marks_of_the_week_are_read_by_student_and_date_never_through_lessons(client, world, diary, monday):
    mark(world, lesson(world, diary.maths, monday, 1), 4, diary.answer)
    client.force_login(world.parent.user)
    for name, query in (
        ("diary-week", {"date": monday.isoformat()}),
        ("diary-marks", {"period": diary.quarter.public_id}),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, world, **query)).status_code == 200
        reads = [q["sql"] for q in queries if 'FROM "gradebook_mark"' in q["sql"]]
        assert len(reads) == 1, name
        assert '"gradebook_lesson"' not in reads[0], name
        assert '"gradebook_mark"."student_id"' in reads[0] and '"gradebook_mark"."date"' in reads[0]


def _busy_week(world, diary, monday, lessons_per_day: int):
    """Lessons every day with marks, attendance, homework with files and a change of each kind."""
    for offset in range(6):
        for number in range(1, lessons_per_day + 1):
            subject = diary.maths if number % 2 else diary.russian
            entry = lesson(world, subject, day(monday, offset), number, topic=f"Тема {offset}.{number}")
            mark(world, entry, 5, diary.test)
            mark(world, entry, 4, diary.answer, position=2)
            f.AttendanceFactory(lesson=entry, student=world.student, code="о")
            f.HomeworkFileFactory(homework__lesson=entry)
            if number == 1:
                entry.is_moved = True
                entry.substitute = world.other_teacher
                entry.save()
                f.LessonChangeFactory(
                    lesson=entry, kind=LessonChange.Kind.MOVE, old_date=day(monday, offset), old_number=9
                )
                f.ControlWorkFactory(class_unit=world.class_5a, subject=subject, date=entry.date, lesson=entry)


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["parent", "admin"])
def test_the_week_reads_in_a_constant_number_of_queries(
    client, world, diary, monday, settings, tmp_path, django_assert_max_num_queries, role
):
    settings.MEDIA_ROOT = tmp_path
    _busy_week(world, diary, monday, lessons_per_day=1)
    client.force_login(getattr(world, role).user)
    address = url("diary-week", world, date=monday.isoformat())
    few = _queries(client, address)
    _busy_week(world, diary, day(monday, 7), lessons_per_day=1)  # the next week: not this one's
    for offset in range(6):
        for number in range(2, 8):
            entry = lesson(world, diary.maths, day(monday, offset), number)
            mark(world, entry, 3, diary.answer)
            f.HomeworkFileFactory(homework__lesson=entry)
    with django_assert_max_num_queries(22):
        assert client.get(address).status_code == 200
    assert _queries(client, address) == few


# --- Marks ---------------------------------------------------------------------------------------


def test_the_marks_page_shows_each_subjects_marks_and_the_weighted_average(english, world, diary, monday):
    maths_1 = lesson(world, diary.maths, monday, 1)
    maths_2 = lesson(world, diary.maths, day(monday, 2), 2)
    mark(world, maths_1, 5, diary.test, weight=Decimal("2"))
    mark(world, maths_2, 3, diary.answer)
    other_period = lesson(world, diary.maths, day(monday, -30), 1)
    mark(world, other_period, 2, diary.answer)
    f.TeachingAssignmentFactory(teacher=world.class_teacher, subject=diary.russian, class_unit=world.class_5a)
    senior = f.ReportingPeriodFactory(school_year=world.year, kind="half_year", number=1, min_grade=10, max_grade=11)
    english.force_login(world.parent.user)

    html = english.get(url("diary-marks", world, period=diary.quarter.public_id)).content.decode()

    row = html.split("Математика</th>")[1].split("</tr>")[0]
    assert row.count('class="mark-chip mark-5"') == 2 and row.count('class="mark-chip mark-3"') == 2, "chip and detail"
    assert 'class="mark-chip mark-2"' not in row, "a mark of another period"
    assert "4,33" in row, "(5×2 + 3×1) / 3"
    assert "Контрольная работа" in row and "weight 2" in row and "Ответ на уроке" in row
    with translation.override("en"):
        assert formats.date_format(monday, "j E") in row
    russian = html.split("Русский язык</th>")[1].split("</tr>")[0]
    assert "—" in russian and "no marks yet" in russian, "a subject of the class without marks"
    assert str(diary.quarter.public_id) in html
    assert str(senior.public_id) not in html, "the period picker holds the student's grade level only"


def test_an_unknown_period_is_not_found(client, world, diary):
    client.force_login(world.parent.user)
    other = f.ReportingPeriodFactory(school_year=world.year, kind="half_year", min_grade=10, max_grade=11)
    assert client.get(url("diary-marks", world, period=other.public_id)).status_code == 404
    assert client.get(url("diary-marks", world)).status_code == 200, "the current period by default"


def test_the_marks_page_reads_in_a_constant_number_of_queries(
    client, world, diary, monday, django_assert_max_num_queries
):
    mark(world, lesson(world, diary.maths, monday, 1), 5, diary.test)
    client.force_login(world.parent.user)
    address = url("diary-marks", world, period=diary.quarter.public_id)
    few = _queries(client, address)
    for offset in range(30):
        entry = lesson(world, diary.russian if offset % 2 else diary.maths, day(monday, offset % 30), 2 + offset % 5)
        mark(world, entry, 4, diary.answer)
        mark(world, entry, 3, diary.test, position=2)
    with django_assert_max_num_queries(18):  # the forecast: grading rules, lessons held; the alerts badge
        assert client.get(address).status_code == 200
    assert _queries(client, address) == few


def test_a_first_grader_learns_without_marks(english, world, diary):
    first_grade = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="В")
    world.student.class_memberships.update(class_unit=first_grade)
    english.force_login(world.parent.user)
    assert "learns without marks" in english.get(url("diary-marks", world)).content.decode()


# --- Timetable, control works, holidays, recommendations ------------------------------------------


def test_the_timetable_shows_the_week_of_the_class_and_the_groups_with_bell_times(client, world, diary, monday):
    group = f.StudyGroupFactory(
        school_year=world.year, name="Информатика, гр. 1", kind="subgroup", class_unit=world.class_5a
    )
    f.StudyGroupMembershipFactory(group=group, student=world.student)
    f.TimetableEntryFactory(
        class_unit=world.class_5a, subject=diary.maths, teacher=world.teacher, weekday=1, number=1, room="204"
    )
    f.TimetableEntryFactory(
        class_unit=None, study_group=group, subject=f.SubjectFactory(school=world.school, name="Информатика"),
        weekday=2, number=3,
    )  # fmt: skip
    f.TimetableEntryFactory(class_unit=world.class_6b, subject=f.SubjectFactory(school=world.school, name="Биология"))
    f.TimetableEntryFactory(
        class_unit=world.class_5a, subject=f.SubjectFactory(school=world.school, name="Природоведение"),
        starts_on=world.year.starts_on, ends_on=world.year.starts_on,
    )  # fmt: skip
    client.force_login(world.student.user)

    html = client.get(url("diary-timetable", world)).content.decode()

    monday_html = html.split('id="weekday-1"')[1].split("</section>")[0]
    assert "Математика" in monday_html and "08:30–09:15" in monday_html and "204" in monday_html
    assert world.teacher.short_name in monday_html
    tuesday_html = html.split('id="weekday-2"')[1].split("</section>")[0]
    assert "Информатика" in tuesday_html and "10:20–11:05" in tuesday_html
    assert "Биология" not in html, "another class's timetable"
    assert "Природоведение" not in html, "an entry no longer in force"


def test_the_control_works_page_shows_the_periods_schedule(client, world, diary, monday):
    f.ControlWorkFactory(class_unit=world.class_5a, subject=diary.maths, date=day(monday, 2), topic="Дроби: сложение")
    f.ControlWorkFactory(class_unit=world.class_6b, subject=diary.maths, date=day(monday, 2), topic="Чужая работа")
    f.ControlWorkFactory(
        class_unit=world.class_5a, subject=diary.maths, date=diary.quarter.ends_on + datetime.timedelta(days=3),
        topic="В следующей четверти",
    )  # fmt: skip
    group = f.StudyGroupFactory(school_year=world.year, kind="subgroup", class_unit=world.class_5a)
    f.StudyGroupMembershipFactory(group=group, student=world.student)
    f.ControlWorkFactory(
        class_unit=None, study_group=group, subject=diary.russian, date=day(monday, 4), topic="Диктант группы"
    )
    client.force_login(world.parent.user)

    html = client.get(url("diary-control-works", world, period=diary.quarter.public_id)).content.decode()

    assert "Дроби: сложение" in html and "Диктант группы" in html
    assert html.index("Дроби: сложение") < html.index("Диктант группы"), "by date"
    assert "Чужая работа" not in html and "В следующей четверти" not in html


def test_the_holidays_page_shows_the_years_holidays_and_periods_for_the_grade_level(english, world, diary):
    f.HolidayFactory(school_year=world.year, name="Осенние каникулы")
    f.HolidayFactory(
        school_year=world.year, name="Дополнительные каникулы для первоклассников", min_grade=1, max_grade=1
    )
    english.force_login(world.parent.user)

    html = english.get(url("diary-holidays", world)).content.decode()

    assert "Осенние каникулы" in html
    assert "первоклассников" not in html
    assert "Reporting periods" in html and "1 quarter" in html


def test_recommendations_are_a_feed_newest_first_with_teacher_subject_and_date(client, world, diary):
    older = f.RecommendationFactory(
        student=world.student, teacher=world.teacher, subject=diary.maths, text="Решать по задаче в день"
    )
    newer = f.RecommendationFactory(student=world.student, teacher=world.class_teacher, text="Больше читать вслух")
    f.RecommendationFactory(student=world.other_student, teacher=world.other_teacher, text="Чужая рекомендация")

    Recommendation.objects.filter(pk=older.pk).update(created_at=newer.created_at - datetime.timedelta(days=3))
    client.force_login(world.parent.user)

    html = client.get(url("diary-recommendations", world)).content.decode()

    assert html.index("Больше читать вслух") < html.index("Решать по задаче в день")
    assert world.teacher.full_name in html and world.class_teacher.full_name in html
    assert "Математика" in html
    assert "Чужая рекомендация" not in html


# --- The child's page: the diary's entry, the class teacher first ------------------------------------


def test_the_childs_page_leads_to_every_section_and_lists_the_class_teacher_first(client, world, diary):
    f.TeachingAssignmentFactory(teacher=world.class_teacher, subject=diary.russian, class_unit=world.class_5a)
    alphabet_first = f.EmployeeFactory(school=world.school, surname="Аааева")
    f.TeachingAssignmentFactory(
        teacher=alphabet_first, subject=f.SubjectFactory(school=world.school, name="Алгебра"), class_unit=world.class_5a
    )
    own_plan = f.StudyGroupFactory(school_year=world.year, name="ИУП: черчение", kind="stream")
    f.StudyGroupMembershipFactory(group=own_plan, student=world.student)
    tutor = f.EmployeeFactory(school=world.school, surname="Чертёжникова", name="Вера", patronymic="")
    drawing = f.SubjectFactory(school=world.school, name="Черчение")
    f.TeachingAssignmentFactory(teacher=tutor, subject=drawing, class_unit=None, study_group=own_plan)
    client.force_login(world.parent.user)

    html = client.get(
        reverse("gradebook:student-detail", kwargs={"public_id": world.student.public_id})
    ).content.decode()

    for name in ("diary-week", "diary-marks", "diary-timetable", "diary-control-works", "diary-holidays",
                 "diary-recommendations"):  # fmt: skip
        assert f'href="{url(name, world)}"' in html, name
    teachers = html.split('id="teachers-heading"')[1]
    assert teachers.index(world.class_teacher.full_name) < teachers.index(alphabet_first.full_name)
    assert teachers.index(world.class_teacher.full_name) < teachers.index(world.teacher.full_name)
    assert "Черчение" in teachers and "Чертёжникова Вера" in teachers, "the individual plan's own teacher"
    assert world.other_teacher.full_name not in teachers


# --- Homework files, consent, the access log ----------------------------------------------------------


@pytest.fixture
def homework_file(world, diary, monday, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = lesson(world, diary.maths, monday, 2)
    return f.HomeworkFileFactory(homework__lesson=entry, name="карточка.pdf")


def file_url(student, file):
    return reverse("gradebook:homework-file", kwargs={"public_id": student.public_id, "file_public_id": file.public_id})


def test_a_homework_file_downloads_privately(client, world, homework_file):
    client.force_login(world.parent.user)
    response = client.get(file_url(world.student, homework_file))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Cache-Control"] == "private"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_a_homework_file_of_another_students_lesson_is_not_found(client, world, diary, monday, homework_file):
    foreign = f.HomeworkFileFactory(homework__lesson=lesson(world, diary.maths, monday, 3, class_unit=world.class_6b))
    removed = f.HomeworkFileFactory(
        homework__lesson=lesson(world, diary.maths, monday, 4), removed_at=datetime.datetime.now(datetime.UTC)
    )
    client.force_login(world.parent.user)
    assert client.get(file_url(world.student, foreign)).status_code == 404
    assert client.get(file_url(world.student, removed)).status_code == 404
    client.force_login(world.other_parent.user)
    assert client.get(file_url(world.student, homework_file)).status_code == 404
    assert client.get(file_url(world.other_student, homework_file)).status_code == 404, "not the other child's lesson"


def test_a_family_without_consent_gets_the_explanation_on_every_diary_page(client, world, diary, monday, homework_file):
    father = f.GuardianFactory(school=world.school, user=f.UserFactory(username="father"))
    f.GuardianshipFactory(guardian=father, student=world.student, relation="father")
    client.force_login(father.user)
    for name in ("diary-week", "diary-marks", "diary-timetable", "diary-control-works", "diary-holidays",
                 "diary-recommendations"):  # fmt: skip
        response = client.get(url(name, world))
        assert response.status_code == 200
        assert 'id="consent-heading"' in response.content.decode(), name
    response = client.get(file_url(world.student, homework_file))
    assert 'id="consent-heading"' in response.content.decode()
    assert not getattr(response, "streaming", False)


def test_staff_openings_are_logged_and_the_familys_are_not(client, world, diary, monday):
    client.force_login(world.parent.user)
    client.get(url("diary-week", world, date=monday.isoformat()))
    assert not PersonalDataAccess.objects.exists()
    client.force_login(world.admin.user)
    client.get(url("diary-marks", world))
    client.get(url("diary-week", world))
    assert sorted(PersonalDataAccess.objects.values_list("what", flat=True)) == [
        "gradebook:diary-marks",
        "gradebook:diary-week",
    ]
