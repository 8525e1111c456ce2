"""The summary sheet (сводная ведомость, issue 5 point 5): its content, the XLSX export, the links to it,
and the number of queries for a full class (access by role: tests/test_access_matrix.py)."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gradebook import models
from gradebook.exports.summary import FIRST_COLUMN, TITLE_ROWS
from gradebook.selectors.summary import summary_sheet

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

HEADER, SUB_HEADER, FIRST_ROW = TITLE_ROWS + 1, TITLE_ROWS + 2, TITLE_ROWS + 3


def page_url(class_unit) -> str:
    return reverse("gradebook:summary-sheet", kwargs={"public_id": class_unit.public_id})


def xlsx_url(class_unit) -> str:
    return reverse("gradebook:summary-sheet-xlsx", kwargs={"public_id": class_unit.public_id})


def _period(year, number, *, kind=models.ReportingPeriod.Kind.QUARTER, weeks=8, **kwargs):
    starts_on = year.starts_on + datetime.timedelta(weeks=weeks * (number - 1))
    return f.ReportingPeriodFactory(
        school_year=year,
        kind=kind,
        number=number,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(weeks=weeks, days=-1),
        **kwargs,
    )


def _final(world, student, subject, value="", *, kind="period", period=None, published=True, **kwargs):
    recorded_at = timezone.now() - datetime.timedelta(hours=1)
    return f.FinalMarkFactory(
        school=world.school,
        school_year=world.year,
        student=student,
        subject=subject,
        kind=kind,
        period=period,
        value=value,
        recorded_by=world.teacher.user,
        recorded_at=recorded_at,
        published_at=recorded_at if published else None,
        **kwargs,
    )


@pytest.fixture
def sheet_world(world):
    """5А for two quarters: maths (taught to the class), Russian (taught to a subgroup), PE (finals only).

    Ученикова: maths I 5, II 4 (not yet published), year 4, school exam 78 points, final 4; PE I осв.
    Борисов: maths I 2 and an open deferral for II; Russian I н/а. Андреев left on the 45th day, in the
    first quarter, with maths I 3.
    """
    year = world.year
    q1, q2 = _period(year, 1), _period(year, 2)
    _period(year, 1, kind=models.ReportingPeriod.Kind.HALF_YEAR, weeks=16, min_grade=10)  # not for grade 5
    year_period = f.ReportingPeriodFactory(
        school_year=year,
        kind=models.ReportingPeriod.Kind.YEAR,
        starts_on=year.starts_on,
        ends_on=year.starts_on + datetime.timedelta(weeks=38),
    )
    maths = world.math
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    pe = f.SubjectFactory(school=world.school, name="Физическая культура")
    group = f.StudyGroupFactory(
        school_year=year, class_unit=world.class_5a, kind=models.StudyGroup.Kind.SUBGROUP, name="5А, группа 1"
    )
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=russian, class_unit=None, study_group=group)
    f.SubjectFactory(school=world.school, name="Астрономия")  # taught to nobody here: no column

    anna = world.student
    boris = f.StudentFactory(school=world.school, surname="Борисов", name="Борис", patronymic="")
    left = f.StudentFactory(school=world.school, surname="Андреев", name="Андрей", patronymic="")
    f.ClassMembershipFactory(student=boris, class_unit=world.class_5a)
    left_on = year.starts_on + datetime.timedelta(days=44)
    f.ClassMembershipFactory(student=left, class_unit=world.class_5a, ends_on=left_on)

    _final(world, anna, maths, "5", period=q1)
    _final(world, anna, maths, "4", period=q2, published=False)
    _final(world, anna, maths, "4", kind="year")
    _final(world, anna, maths, kind="exam", exam="school", scale="points", points=78)
    _final(world, anna, maths, "4", kind="final")
    _final(world, anna, pe, "осв", period=q1)
    _final(world, boris, maths, "2", period=q1)
    f.DeferralFactory(school=world.school, student=boris, subject=maths, period=q2)
    f.DeferralFactory(
        school=world.school, student=boris, subject=russian, period=q2, resolved_at=timezone.now()
    )  # resolved: nothing shows
    _final(world, boris, russian, "н/а", period=q1)
    _final(world, left, maths, "3", period=q1)
    # What the class he moved to records (the second quarter, the year) is not on 5А's sheet.
    _final(world, left, maths, "5", period=q2)
    _final(world, left, maths, "5", kind="year")
    f.DeferralFactory(school=world.school, student=left, subject=russian, period=q2)
    _final(world, world.other_student, maths, "5", period=q1)  # 6Б: not on 5А's sheet
    return {"q1": q1, "q2": q2, "year_period": year_period, "boris": boris, "left": left, "left_on": left_on}


def _cells(sheet, row_index: int, subject_name: str) -> list[str]:
    offset = 0
    for block in sheet.blocks:
        if block.subject.name == subject_name:
            return [cell.text for cell in sheet.rows[row_index].cells[offset : offset + len(block.columns)]]
        offset += len(block.columns)
    raise AssertionError(subject_name)


def test_the_sheet_holds_every_final_of_the_class_for_the_year(world, sheet_world):
    sheet = summary_sheet(world.class_5a, now=timezone.now())

    assert [block.subject.name for block in sheet.blocks] == ["Математика", "Русский язык", "Физическая культура"]
    maths, russian, pe = sheet.blocks
    assert [column.short for column in maths.columns] == ["I", "II", "Year", "Exam", "Final"]
    assert [column.short for column in russian.columns] == ["I", "II", "Year", "Final"]  # no exam: no column
    assert [column.label for column in pe.columns] == ["1 quarter", "2 quarter", "Year final", "Final mark"]

    # Those who stayed in alphabetical order, then the one who left, with the day.
    assert [(row.student.surname, row.left_on) for row in sheet.rows] == [
        ("Борисов", None),
        ("Ученикова", None),
        ("Андреев", sheet_world["left_on"]),
    ]
    assert _cells(sheet, 0, "Математика") == ["2", "отсрочка", "", "", ""]
    assert _cells(sheet, 0, "Русский язык") == ["н/а", "", "", ""]
    assert _cells(sheet, 1, "Математика") == ["5", "4", "4", "78", "4"]
    assert _cells(sheet, 1, "Физическая культура") == ["осв", "", "", ""]
    assert _cells(sheet, 2, "Математика") == ["3", "", "", "", ""]
    assert _cells(sheet, 2, "Русский язык") == ["", "", "", ""]

    unpublished = [(row.student.surname, cell.text) for row in sheet.rows for cell in row.cells if cell.unpublished]
    assert unpublished == [("Ученикова", "4")]
    assert (sheet.rows[0].failing, sheet.rows[0].not_assessed) == (1, 1)
    assert sheet.failing_by_column[:2] == [1, 0]  # Борисов's 2 in the first quarter; a deferral is no 2
    assert (sheet.failing_total, sheet.not_assessed_total) == (1, 1)


def test_an_unconfirmed_final_counts_as_published_after_24_hours(world, sheet_world):
    later = timezone.now() + datetime.timedelta(hours=24)
    sheet = summary_sheet(world.class_5a, now=later)
    assert not sheet.has_unpublished


def test_the_page_shows_the_sheet_to_the_class_teacher(client, world, sheet_world):
    client.force_login(world.class_teacher.user)
    response = client.get(page_url(world.class_5a))
    html = response.content.decode()

    assert response.status_code == 200
    assert f"Summary sheet of class 5А, {world.year.title} school year" in html
    assert '<th scope="colgroup" colspan="5" class="starts-block">Математика</th>' in html
    assert "<caption>" in html and 'class="table-wrap summary-wrap"' in html
    assert '<td class="is-deferred">отсрочка</td>' in html
    assert '<td class="starts-block is-failing">2</td>' in html
    assert 'class="visually-hidden"> not yet published' in html and "* not yet published" in html
    assert f"left {sheet_world['left_on']:%d.%m.%Y}" in html
    assert html.index("2. Ученикова А.") < html.index("3. Андреев А.")
    assert xlsx_url(world.class_5a) in html
    assert "Другов" not in html  # 6Б
    logged = models.PersonalDataAccess.objects.filter(what="gradebook:summary-sheet", viewer=world.class_teacher.user)
    assert logged.count() == 3


def test_the_class_page_and_the_school_overview_link_to_the_sheet(client, world):
    client.force_login(world.admin.user)
    assert page_url(world.class_5a) in client.get(reverse("gradebook:school-overview")).content.decode()
    assert (
        page_url(world.class_5a)
        in client.get(reverse("gradebook:class-detail", args=[world.class_5a.public_id])).content.decode()
    )
    client.force_login(world.teacher.user)  # teaches 5А, does not lead it: no link
    html = client.get(reverse("gradebook:class-detail", args=[world.class_5a.public_id])).content.decode()
    assert page_url(world.class_5a) not in html


def test_the_xlsx_export_holds_the_same_values(client, world, sheet_world):
    client.force_login(world.admin.user)
    response = client.get(xlsx_url(world.class_5a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    title = world.year.title.replace("/", "-")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="summary-sheet-5-{title}.xlsx"')
    assert disposition.endswith(f"filename*=UTF-8''{quote(f'summary-sheet-5А-{title}.xlsx')}")
    disposition.encode("ascii")  # the header itself stays ASCII

    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "МОУ «Тестовая школа»"
    assert ws["A2"].value == f"Summary sheet of class 5А, {world.year.title} school year"
    assert ws["A3"].value == "Grey italics: not yet published to families."
    assert ws.freeze_panes == f"C{FIRST_ROW}"
    maths = FIRST_COLUMN  # columns C..G: I, II, Year, Exam, Final; then Russian H..K, PE L..O
    assert ws.cell(HEADER, maths).value == "Математика"
    assert f"C{HEADER}:G{HEADER}" in {str(merged) for merged in ws.merged_cells.ranges}
    assert [ws.cell(SUB_HEADER, maths + i).value for i in range(5)] == ["I", "II", "Year", "Exam", "Final"]
    assert ws.cell(HEADER, maths + 5).value == "Русский язык"
    assert ws.cell(HEADER, maths + 9).value == "Физическая культура"

    boris, anna, left = FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 2
    assert [ws.cell(anna, maths + i).value for i in range(5)] == [5, 4, 4, 78, 4]
    assert ws.cell(anna, maths + 1).font.italic and not ws.cell(anna, maths).font.italic  # II not yet published
    assert ws.cell(anna, maths + 9).value == "осв"
    assert [ws.cell(boris, maths + i).value for i in range(2)] == [2, "отсрочка"]
    assert ws.cell(boris, maths + 5).value == "н/а"
    assert ws.cell(boris, 2).value == "Борисов Борис"
    assert ws.cell(left, 2).value == f"Андреев Андрей (left {sheet_world['left_on']:%d.%m.%Y})"
    assert ws.cell(left, maths).value == 3
    totals = maths + 13
    assert (ws.cell(SUB_HEADER - 1, totals).value, ws.cell(SUB_HEADER - 1, totals + 1).value) == ("2", "н/а")
    assert (ws.cell(boris, totals).value, ws.cell(boris, totals + 1).value) == (1, 1)
    assert ws.cell(left + 1, 2).value == "2 and н/а"
    assert ws.cell(left + 1, maths).value == 1
    assert ws.column_dimensions["B"].width == 36


def test_an_empty_class_has_an_empty_sheet(client, world):
    client.force_login(world.admin.user)
    response = client.get(page_url(f.ClassUnitFactory(school_year=world.year, grade_level=7, letter="В")))
    assert "No students in this class this year." in response.content.decode()


# --- 30 students × 15 subjects × 6 columns -----------------------------------------------------


def _big_class(world) -> int:
    year, school = world.year, world.school
    quarters = [_period(year, number) for number in range(1, 5)]
    subjects = models.Subject.objects.bulk_create(
        models.Subject(school=school, name=f"Предмет {number:02}") for number in range(15)
    )
    models.TeachingAssignment.objects.bulk_create(
        models.TeachingAssignment(
            teacher=world.teacher, subject=subject, class_unit=world.class_5a, starts_on=year.starts_on
        )
        for subject in subjects
    )
    students = models.Student.objects.bulk_create(
        models.Student(school=school, surname=f"Ученик{number:02}", name="Иван") for number in range(29)
    )
    models.ClassMembership.objects.bulk_create(
        models.ClassMembership(student=student, class_unit=world.class_5a, starts_on=year.starts_on)
        for student in students
    )
    now = timezone.now()
    finals = []
    for student in [*students, world.student]:
        for subject in subjects:
            common = {"school": school, "school_year": year, "student": student, "subject": subject}
            common |= {"recorded_by": world.teacher.user, "recorded_at": now}
            finals += [models.FinalMark(kind="period", period=quarter, value="4", **common) for quarter in quarters]
            finals += [
                models.FinalMark(kind="year", value="4", **common),
                models.FinalMark(kind="final", value="5", **common),
            ]
    models.FinalMark.objects.bulk_create(finals)
    return len(finals)


@pytest.mark.parametrize("name", ["gradebook:summary-sheet", "gradebook:summary-sheet-xlsx"])
def test_a_full_class_reads_in_a_constant_number_of_queries(client, world, name, django_assert_max_num_queries):
    assert _big_class(world) == 30 * 15 * 6
    client.force_login(world.staff.user)
    url = reverse(name, kwargs={"public_id": world.class_5a.public_id})
    # session, user, roles (3), the class, periods, students, subjects, finals, deferrals, the access log
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    if name == "gradebook:summary-sheet":
        html = response.content.decode()
        assert (html.count(">4<sup"), html.count(">5<sup")) == (30 * 15 * 5, 30 * 15)  # none published yet
    else:
        ws = load_workbook(io.BytesIO(response.content)).active
        assert ws.cell(FIRST_ROW + 29, FIRST_COLUMN + 15 * 6 - 1).value == 5  # the last student's last final mark
