"""The weekly extract PDF (printouts.documents.extract), read back with pypdf: the content a paper family
gets, one student per page start, the page mapping, and a query budget that does not grow with students."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from printouts.documents.extract import render_extracts
from tests import factories as f

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def monday(world):
    start = world.year.starts_on
    return start - datetime.timedelta(days=start.weekday()) + datetime.timedelta(weeks=3)


@pytest.fixture
def friday_noon(monday):
    """The weekly job's default moment: Friday 12:00 of the week."""
    moment = datetime.datetime.combine(monday + datetime.timedelta(days=4), datetime.time(12), tzinfo=MOSCOW)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def week_data(world, monday, quarter):
    """A week of 5А for world.student: marks with work types, homework, attendance, a substitution."""
    school, math = world.school, world.math
    control = f.WorkTypeFactory(school=school, name="Контрольная работа", weight=2)
    answer = f.WorkTypeFactory(school=school, name="Ответ на уроке", weight=1)
    teacher = world.teacher
    teacher.surname, teacher.name, teacher.patronymic = "Учителева", "Мария", "Ивановна"
    teacher.save()
    substitute = f.EmployeeFactory(school=school, surname="Заменова", name="Ольга", patronymic="Петровна")
    monday_lesson = f.LessonFactory(
        class_unit=world.class_5a, subject=math, teacher=teacher, date=monday, number=2, topic="Десятичные дроби"
    )
    f.HomeworkFactory(lesson=monday_lesson, text="Учебник § 14, номера 512–515")
    f.MarkFactory(lesson=monday_lesson, student=world.student, value=5, work_type=control)
    tuesday_lesson = f.LessonFactory(
        class_unit=world.class_5a, subject=math, teacher=teacher, date=monday + datetime.timedelta(days=1), number=1
    )
    f.MarkFactory(lesson=tuesday_lesson, student=world.student, value=3, work_type=answer)
    f.AttendanceFactory(lesson=tuesday_lesson, student=world.student, code="б")
    thursday_lesson = f.LessonFactory(
        class_unit=world.class_5a,
        subject=math,
        teacher=teacher,
        substitute=substitute,
        date=monday + datetime.timedelta(days=3),
        number=3,
        topic="Сложение десятичных дробей",
    )
    f.LessonChangeFactory(lesson=thursday_lesson, old_teacher=teacher)
    f.MarkFactory(lesson=thursday_lesson, student=world.student, value=4, work_type=answer)
    f.ControlWorkFactory(
        class_unit=world.class_5a,
        subject=math,
        date=monday + datetime.timedelta(weeks=1, days=2),
        topic="Действия с десятичными дробями",
    )
    f.RecommendationFactory(student=world.student, teacher=teacher, text="Повторить правила округления.")
    return {"substitute": substitute}


def test_the_extract_reads_back_in_russian(world, monday, friday_noon, week_data):
    rendered = render_extracts(students=[world.student], week_start=monday)

    assert rendered.pdf.startswith(b"%PDF")
    pages = _texts(rendered.pdf)
    text = _normal(" ".join(pages))
    assert "Ученикова Анна" in text
    assert world.school.name in text
    assert "5А" in text
    assert f"{monday:%d.%m.%Y}–{monday + datetime.timedelta(days=5):%d.%m.%Y}" in text
    assert "Десятичные дроби" in text  # topic
    assert "Учебник § 14, номера 512–515" in text  # homework
    assert "Контрольная работа" in text and "Ответ на уроке" in text  # marks with their work types
    compact = text.replace(" ", "")
    assert "Заменова О.П.вместоУчителева М.И.".replace(" ", "") in compact  # the substitution
    assert "Действия с десятичными дробями" in text  # the control work next week
    assert "Повторить правила округления." in text  # the week's recommendation
    # The period's marks: 5×2, 3, 4 → (10 + 3 + 4) / 4 = 4,25 and the forecast 4 (the grading engine's).
    assert "4,25" in text
    assert f"стр. 1 из {len(pages)}" in text  # page numbers
    assert rendered.pages == {world.student.pk: (1, len(pages))}


def test_the_forecast_is_the_services_one(world, monday, friday_noon, week_data, quarter):
    from gradebook.services.forecast import forecast_get

    forecast = forecast_get(
        student=world.student, subject=world.math, period=quarter, today=monday + datetime.timedelta(days=5)
    )
    assert forecast.projected == "4"
    text = _normal(" ".join(_texts(render_extracts(students=[world.student], week_start=monday).pdf)))
    assert f"4,25 {forecast.projected}" in text  # average, then the forecast


def test_finals_published_that_week_and_not_others(world, monday, friday_noon, quarter):
    this_week = friday_noon - datetime.timedelta(days=2)
    f.FinalMarkFactory(
        student=world.student,
        subject=world.math,
        period=quarter,
        value="4",
        recorded_at=this_week,
        published_at=this_week,
    )
    history = f.SubjectFactory(school=world.school, name="История")
    f.FinalMarkFactory(  # published the week before: not repeated
        student=world.student,
        subject=history,
        period=quarter,
        value="3",
        recorded_at=friday_noon - datetime.timedelta(weeks=1),
        published_at=friday_noon - datetime.timedelta(weeks=1),
    )
    biology = f.SubjectFactory(school=world.school, name="Биология")
    f.FinalMarkFactory(  # recorded an hour ago, not confirmed: families do not see it yet
        student=world.student,
        subject=biology,
        period=quarter,
        value="5",
        recorded_at=friday_noon - datetime.timedelta(hours=1),
    )
    text = _normal(" ".join(_texts(render_extracts(students=[world.student], week_start=monday).pdf)))
    assert "Математика" in text
    assert "История" not in text
    assert "Биология" not in text


def _class_of(world, monday, count, quarter):
    """``count`` students of a new 5-th class with a week of lessons, marks, homework and a substitution."""
    school = world.school
    class_unit = f.ClassUnitFactory(school_year=world.year, grade_level=5, letter="В")
    subjects = [world.math, f.SubjectFactory(school=school, name="Русский язык")]
    teacher = f.EmployeeFactory(school=school)
    for subject in subjects:
        f.TeachingAssignmentFactory(teacher=teacher, subject=subject, class_unit=class_unit)
    work_type = f.WorkTypeFactory(school=school, name="Самостоятельная работа")
    students = [
        f.StudentFactory(school=school, surname=f"Ученик{chr(ord('а') + i)}", name="Иван") for i in range(count)
    ]
    for student in students:
        f.ClassMembershipFactory(student=student, class_unit=class_unit, starts_on=world.year.starts_on)
    for day in range(5):
        for number, subject in enumerate(subjects, start=1):
            lesson = f.LessonFactory(
                class_unit=class_unit,
                subject=subject,
                teacher=teacher,
                date=monday + datetime.timedelta(days=day),
                number=number,
                topic=f"Тема {day}-{number}",
                substitute=teacher if day == 3 and number == 1 else None,
            )
            f.HomeworkFactory(lesson=lesson, text=f"Задание {day}-{number} " + "упражнение " * 20)
            for student in students:
                f.MarkFactory(lesson=lesson, student=student, value=4 + (day % 2), work_type=work_type)
                f.AttendanceFactory(lesson=lesson, student=student, code="н") if day == 2 else None
    f.RecommendationFactory(student=students[0], teacher=teacher)
    return students


def test_each_student_starts_a_new_page_and_the_mapping_agrees(world, monday, friday_noon, quarter):
    students = _class_of(world, monday, 3, quarter)
    rendered = render_extracts(students=students, week_start=monday)
    texts = _texts(rendered.pdf)

    assert list(rendered.pages) == [student.pk for student in students]
    expected_first = 1
    for student in students:
        first, count = rendered.pages[student.pk]
        assert first == expected_first and count >= 1
        expected_first += count
        own = [_normal(texts[number - 1]) for number in range(first, first + count)]
        assert student.full_name in own[0]
        assert "Еженедельная выписка" in own[0] or "Weekly extract" in own[0]
        for page in own:  # no other student's name on their pages
            assert not any(other.full_name in page for other in students if other != student)
        assert student.full_name in own[-1]  # the tear-off slip with the name closes the extract
    assert expected_first - 1 == len(texts)
    assert f"из {len(texts)}" in _normal(texts[0])


def test_queries_do_not_grow_with_the_number_of_students(world, monday, friday_noon, quarter):
    few = _class_of(world, monday, 3, quarter)
    many = few + [f.StudentFactory(school=world.school, surname=f"Дополнительный{i}", name="Пётр") for i in range(12)]
    for student in many[3:]:
        f.ClassMembershipFactory(student=student, class_unit=few[0].class_memberships.get().class_unit)

    with CaptureQueriesContext(connection) as three:
        render_extracts(students=few, week_start=monday)
    with CaptureQueriesContext(connection) as fifteen:
        render_extracts(students=many, week_start=monday)
    assert len(three.captured_queries) == len(fifteen.captured_queries)
    assert len(fifteen.captured_queries) <= 25


def test_week_start_must_be_a_monday(world, monday):
    with pytest.raises(ValueError, match="Monday"):
        render_extracts(students=[world.student], week_start=monday + datetime.timedelta(days=2))


def test_no_students_is_an_error(world, monday):
    with pytest.raises(ValueError):
        render_extracts(students=[], week_start=monday)


def test_the_bulk_week_gives_each_student_their_own(world, monday, friday_noon, week_data):
    """``weeks_for`` (the extracts' and the diary's read) reads the students of two classes at once and gives
    each only the lessons of their class and their own marks."""
    from gradebook.selectors.diary.week import weeks_for

    today = monday + datetime.timedelta(days=4)
    f.LessonFactory(class_unit=world.class_6b, subject=world.math, date=monday, number=1)
    weeks = weeks_for([world.student, world.other_student], monday, today=today)
    for student in (world.student, world.other_student):
        week = weeks[student.pk]
        class_unit = student.class_memberships.get().class_unit
        assert week.class_unit == class_unit
        lessons = [entry.lesson for day in week.days for entry in day.entries]
        assert lessons and {lesson.class_unit_id for lesson in lessons} == {class_unit.pk}
        marks = [mark for day in week.days for entry in day.entries for mark in getattr(entry, "marks", [])]
        assert {mark.student_id for mark in marks} <= {student.pk}
