"""The journal's printable documents (issue 7, point 5): the summary sheet PDF and the year-end archive of a
class's journal, read back with pypdf; their page size, the link from the summary page, and the number of
queries for a full class (access by role: tests/test_access_matrix.py)."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gradebook import models
from printouts.documents.archive import COLUMNS_PER_GRID, journal_archive

from . import factories as f
from .test_summary_sheet import _big_class, sheet_world  # noqa: F401 (a fixture)


def summary_url(class_unit) -> str:
    return reverse("printouts:summary-sheet-pdf", kwargs={"public_id": class_unit.public_id})


def archive_url(class_unit) -> str:
    return reverse("printouts:journal-archive", kwargs={"public_id": class_unit.public_id})


def _read(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _is_landscape_a4(page) -> bool:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    return (round(width), round(height)) == (842, 595)  # 297 × 210 mm in points


def test_the_summary_sheet_pdf_holds_the_finals_in_russian_on_landscape_a4(client, world, sheet_world):  # noqa: F811
    client.force_login(world.class_teacher.user)

    response = client.get(summary_url(world.class_5a))
    reader, text = _read(response)

    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]
    assert all(_is_landscape_a4(page) for page in reader.pages)
    assert "Ученикова" in text and "Борисов Борис" in text  # full names, Cyrillic embedded
    assert "Математика" in text and "Физическая культура" in text
    assert "отсрочка" in text  # Борисов's open deferral of maths II
    assert "78" in text  # Ученикова's school exam in points
    assert "осв" in text and "н/а" in text
    assert "Год" in text and "Итог" in text  # column labels in Russian whatever the portal's language
    assert "Андреев" in text  # the one who left, with the day
    assert sheet_world["left_on"].strftime("%d.%m.%Y") in text


def test_the_summary_page_links_to_its_pdf_and_other_pages_do_not(client, world):
    client.force_login(world.class_teacher.user)
    page = client.get(reverse("gradebook:summary-sheet", kwargs={"public_id": world.class_5a.public_id}))
    assert summary_url(world.class_5a) in page.content.decode()
    other = client.get(reverse("gradebook:class-detail", kwargs={"public_id": world.class_5a.public_id}))
    assert "summary.pdf" not in other.content.decode()


@pytest.fixture
def journal(world, sheet_world):  # noqa: F811
    """Maths lessons of 5А in the first quarter with topics and marks; a substitution; a cancelled lesson;
    a Russian lesson of the subgroup; an absence."""
    q1 = sheet_world["q1"]
    boris = sheet_world["boris"]
    work_type = f.WorkTypeFactory(school=world.school, name="ответ на уроке")
    substitute = f.EmployeeFactory(school=world.school, surname="Заменова", name="Зоя", patronymic="")

    def lesson(day, topic, **kwargs):
        return f.LessonFactory(
            class_unit=world.class_5a,
            subject=world.math,
            teacher=world.teacher,
            date=q1.starts_on + datetime.timedelta(days=day),
            topic=topic,
            **kwargs,
        )

    fractions = lesson(1, "Обыкновенные дроби")
    decimals = lesson(3, "Десятичные дроби", substitute=substitute)
    lesson(5, "Отменённый урок", is_cancelled=True)
    for value, position in ((5, 1), (4, 2)):
        f.MarkFactory(
            lesson=fractions,
            student=world.student,
            value=value,
            position=position,
            work_type=work_type,
            recorded_by=world.teacher.user,
        )
    f.MarkFactory(lesson=decimals, student=boris, value=3, work_type=work_type, recorded_by=world.teacher.user)
    f.AttendanceFactory(lesson=decimals, student=world.student, code="б", recorded_by=world.teacher.user)
    group = models.StudyGroup.objects.get(name="5А, группа 1")
    russian = models.Subject.objects.get(name="Русский язык")
    f.LessonFactory(
        class_unit=None,
        study_group=group,
        subject=russian,
        teacher=world.teacher,
        date=q1.starts_on + datetime.timedelta(days=2),
        topic="Имя существительное",
    )
    return {"fractions": fractions, "decimals": decimals}


def test_the_archive_holds_lessons_marks_and_finals_per_subject(client, world, journal):
    client.force_login(world.class_teacher.user)

    reader, text = _read(client.get(archive_url(world.class_5a)))

    assert all(_is_landscape_a4(page) for page in reader.pages)
    assert "Обыкновенные дроби" in text and "Десятичные дроби" in text and "Имя существительное" in text
    assert "Отменённый урок" not in text  # cancelled: not a lesson held
    assert "5/4" in text  # two marks in one cell
    assert "Заменова З." in text  # the substitute gave the lesson
    assert "отсрочка" in text  # the finals, as on the summary sheet
    # Each subject starts on a new page.
    maths_page = next(number for number, page in enumerate(reader.pages) if "Обыкновенные дроби" in page.extract_text())
    assert "Имя существительное" not in reader.pages[maths_page].extract_text()


def test_the_archive_grid_places_each_mark_under_its_lesson(world, journal):
    archive = journal_archive(world.class_5a, now=timezone.now())

    maths = next(item for item in archive.subjects if item.subject == world.math)
    assert [lesson.topic for lesson in maths.lessons] == ["Обыкновенные дроби", "Десятичные дроби"]
    (grid,) = maths.grids
    cells = {row.name: row.cells for row in grid.rows}
    assert cells[world.student.short_name] == ["5/4", "б"]  # an absence where there is no mark
    assert cells["Борисов Б."] == ["", "3"]
    assert [cell.text for cell in maths.finals[0].cells][:1] == ["2"]  # Борисов, maths I
    pe = next(item for item in archive.subjects if item.subject.name == "Физическая культура")
    assert pe.lessons == [] and pe.finals  # finals only: no grid, the finals still printed


def test_a_long_year_splits_into_grids_that_fit_the_page(world):
    for day in range(COLUMNS_PER_GRID + 3):
        f.LessonFactory(
            class_unit=world.class_5a,
            subject=world.math,
            teacher=world.teacher,
            date=world.year.starts_on + datetime.timedelta(days=day),
        )
    archive = journal_archive(world.class_5a, now=timezone.now())
    (maths,) = archive.subjects
    assert [len(grid.lessons) for grid in maths.grids] == [COLUMNS_PER_GRID, 3]


def _full_journal(world) -> None:
    """30 students × 15 subjects with their finals (the summary sheet's big class), and 40 lessons of each of
    three subjects with a mark for every student."""
    _big_class(world)
    students = list(models.Student.objects.filter(class_memberships__class_unit=world.class_5a))
    work_type = f.WorkTypeFactory(school=world.school)
    subjects = list(models.Subject.objects.filter(school=world.school).order_by("pk")[:3])
    lessons = models.Lesson.objects.bulk_create(
        models.Lesson(
            school=world.school,
            class_unit=world.class_5a,
            subject=subject,
            teacher=world.teacher,
            date=world.year.starts_on + datetime.timedelta(days=day),
            number=index + 1,
            topic=f"Тема {day}",
        )
        for index, subject in enumerate(subjects)
        for day in range(40)
    )
    models.Mark.objects.bulk_create(
        models.Mark(
            school=world.school,
            lesson=lesson,
            student=student,
            subject=lesson.subject,
            date=lesson.date,
            value=4,
            work_type=work_type,
            recorded_by=world.teacher.user,
        )
        for lesson in lessons
        for student in students
    )


@pytest.mark.parametrize("name", ["printouts:summary-sheet-pdf", "printouts:journal-archive"])
def test_a_full_class_prints_in_a_constant_number_of_queries(client, world, name, django_assert_max_num_queries):
    _full_journal(world)
    client.force_login(world.admin.user)
    url = reverse(name, kwargs={"public_id": world.class_5a.public_id})
    # session, user, roles (3), the class, periods, students, subjects, finals, deferrals, the access log;
    # the archive: lessons, marks, attendance
    with django_assert_max_num_queries(12 if name == "printouts:summary-sheet-pdf" else 15):
        response = client.get(url)
    _reader, text = _read(response)
    assert "Ученик28" in text  # the last of the 29 added
    if name == "printouts:journal-archive":
        assert "Тема 39" in text
