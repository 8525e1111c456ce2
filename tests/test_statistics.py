"""The administrators' statistics against figures computed by hand: curriculum fulfilment (with a
substitution, a cancellation, subgroups and the lesson-type split) and results with DOMAIN.md's
denominators (осв, н/а, a student who left, a student without marks); the page, its charts and the
XLSX export; a query budget that does not grow with the number of classes.

The school year 2030/2031 is built by hand so that its study days are known: four quarters of
8, 8, 10 and 8 weeks (40 + 40 + 50 + 40 = 170 study days, Monday to Friday).
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from gradebook import charts, models
from gradebook.selectors.statistics import build_scope, statistics_for
from gradebook.selectors.statistics.curriculum import fulfilment_for
from gradebook.selectors.statistics.results import results_for

from . import factories as f

D = datetime.date
QUARTERS = [
    (D(2030, 9, 2), D(2030, 10, 25)),
    (D(2030, 11, 4), D(2030, 12, 27)),
    (D(2031, 1, 13), D(2031, 3, 21)),
    (D(2031, 3, 31), D(2031, 5, 23)),
]
TODAY = D(2030, 9, 27)  # a Friday: 20 of the first quarter's 40 study days have passed
AFTER_Q1 = datetime.datetime(2030, 11, 11, 12, 0, tzinfo=datetime.UTC)
URL = reverse("gradebook:statistics")
XLSX_URL = reverse("gradebook:statistics-xlsx")


def weekdays(start: datetime.date, count: int) -> list[datetime.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@dataclass
class Calendar:
    year: models.SchoolYear
    q1: models.ReportingPeriod
    maths: models.Subject
    english: models.Subject


@pytest.fixture
def calendar(world) -> Calendar:
    year = f.SchoolYearFactory(school=world.school, starts_on=D(2030, 9, 1), ends_on=D(2031, 8, 31))
    quarters = [
        f.ReportingPeriodFactory(school_year=year, number=n, starts_on=start, ends_on=end, min_grade=1, max_grade=9)
        for n, (start, end) in enumerate(QUARTERS, start=1)
    ]
    f.HolidayFactory(school_year=year, starts_on=D(2030, 10, 26), ends_on=D(2030, 11, 3))
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    return Calendar(year=year, q1=quarters[0], maths=world.math, english=english)


def teacher(world, surname: str) -> models.Employee:
    return f.EmployeeFactory(school=world.school, surname=surname, name="Мария", patronymic="Петровна")


def lesson(owner, subject, who, day, **extra) -> models.Lesson:
    where = (
        {"study_group": owner, "class_unit": None} if isinstance(owner, models.StudyGroup) else {"class_unit": owner}
    )
    return f.LessonFactory(subject=subject, teacher=who, date=day, **where, **extra)


# --- Curriculum fulfilment --------------------------------------------------------------------------


@dataclass
class Maths5A:
    class_unit: models.ClassUnit
    teacher: models.Employee
    substitute: models.Employee


@pytest.fixture
def maths_5a(world, calendar) -> Maths5A:
    """5А plans 170 hours of maths a year (5 a week): 40 in the first quarter. By 27.09: 18 lessons held
    (10 new material, two of them substituted by Петрова; 5 practice; 3 without a type), one cancelled,
    and one more lesson to come on 30.09."""
    class_unit = f.ClassUnitFactory(school_year=calendar.year, grade_level=5, letter="А")
    ivanova, petrova = teacher(world, "Иванова"), teacher(world, "Петрова")
    f.TeachingAssignmentFactory(teacher=ivanova, subject=calendar.maths, class_unit=class_unit)
    f.CurriculumLineFactory(school_year=calendar.year, subject=calendar.maths, grade_level=5, planned_hours=170)
    days = weekdays(QUARTERS[0][0], 20)
    kinds = ["new"] * 10 + ["practice"] * 5 + [""] * 3
    for number, (day, kind) in enumerate(zip(days, kinds, strict=False)):
        lesson(class_unit, calendar.maths, ivanova, day, kind=kind, substitute=petrova if number in (0, 1) else None)
    lesson(class_unit, calendar.maths, ivanova, days[18], kind="new", is_cancelled=True)
    lesson(class_unit, calendar.maths, ivanova, D(2030, 9, 30), kind="new")
    return Maths5A(class_unit, ivanova, petrova)


def figures(row) -> dict:
    return {
        "label": row.label,
        "planned": row.planned_shown,
        "to_date": row.planned_to_date_shown,
        "held": row.held,
        "lag": row.lag_shown,
        "of_plan": row.percent_of_plan_shown,
        "percent": row.percent_to_date_shown,
        "cancelled": row.cancelled,
        "substituted": row.substituted,
    }


def test_fulfilment_by_class_counts_substitutions_and_not_cancellations(calendar, maths_5a):
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    fulfilment = fulfilment_for(scope, "class")
    assert [figures(row) for row in fulfilment.rows] == [
        {
            "label": "5А",
            "planned": "40,0",  # 170 × 40 / 170 study days
            "to_date": "20,0",  # 20 of 40 study days passed
            "held": 18,
            "lag": "2,0",
            "of_plan": "45,0",
            "percent": "90,0",
            "cancelled": 1,
            "substituted": 2,
        }
    ]
    kinds = dict(zip((kind for kind, _label in fulfilment.kinds), fulfilment.rows[0].kind_counts, strict=True))
    assert kinds == {
        "new": 10,
        "practice": 5,
        "combined": 0,
        "control": 0,
        "review": 0,
        "lab": 0,
        "excursion": 0,
        "": 3,
    }
    with translation.override("en"):
        assert [label for _kind, label in fulfilment_for(scope, "class").kinds][-1] == "not set"


def test_fulfilment_by_teacher_credits_the_substitute(calendar, maths_5a):
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    fulfilment = fulfilment_for(scope, "teacher")
    assert [figures(row) for row in fulfilment.rows] == [
        {
            "label": "Иванова М.П.",
            "planned": "40,0",
            "to_date": "20,0",
            "held": 16,
            "lag": "4,0",
            "of_plan": "40,0",
            "percent": "80,0",
            "cancelled": 1,
            "substituted": 0,
        },
        {
            "label": "Петрова М.П.",
            "planned": "0,0",
            "to_date": "0,0",
            "held": 2,
            "lag": "0,0",
            "of_plan": "—",
            "percent": "—",
            "cancelled": 0,
            "substituted": 2,
        },
    ]
    assert fulfilment.rows[1].by_kind == {"new": 2}
    assert figures(fulfilment.total) == figures(fulfilment_for(scope, "class").total)  # whatever the rows


def test_subgroups_each_carry_the_class_plan_and_streams_are_left_out(world, calendar, maths_5a):
    """English in 5А: 8 hours planned for the first quarter (a period line), taught in two subgroups."""
    c5a = maths_5a.class_unit
    f.CurriculumLineFactory(
        school_year=calendar.year, subject=calendar.english, grade_level=5, period=calendar.q1, planned_hours=8
    )
    groups = [
        f.StudyGroupFactory(school_year=calendar.year, class_unit=c5a, kind="subgroup", name=f"5А англ. {n}")
        for n in (1, 2)
    ]
    sidorova, smirnova = teacher(world, "Сидорова"), teacher(world, "Смирнова")
    for group, who in zip(groups, (sidorova, smirnova), strict=True):
        f.TeachingAssignmentFactory(teacher=who, subject=calendar.english, class_unit=None, study_group=group)
    days = weekdays(QUARTERS[0][0], 20)
    for day in days[:4]:
        lesson(groups[0], calendar.english, sidorova, day)
    for day in days[:3]:
        lesson(groups[1], calendar.english, smirnova, day)
    lesson(groups[1], calendar.english, smirnova, days[3], is_cancelled=True)
    stream = f.StudyGroupFactory(school_year=calendar.year, name="Поток 5-х классов")
    lesson(stream, calendar.english, smirnova, days[5])

    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    rows = {row.label: figures(row) for row in fulfilment_for(scope, "subject").rows}
    assert rows["Английский язык"] == {
        "label": "Английский язык",
        "planned": "16,0",  # 8 for each subgroup
        "to_date": "8,0",
        "held": 7,
        "lag": "1,0",
        "of_plan": "43,8",
        "percent": "87,5",
        "cancelled": 1,
        "substituted": 0,
    }
    assert rows["Математика"]["held"] == 18
    by_teacher = {row.label: (row.planned_shown, row.held) for row in fulfilment_for(scope, "teacher").rows}
    assert by_teacher["Сидорова М.П."] == ("8,0", 4)
    assert by_teacher["Смирнова М.П."] == ("8,0", 3)
    by_grade = fulfilment_for(scope, "grade").rows
    with translation.override("en"):
        assert [(row.label, row.planned_shown, row.held) for row in fulfilment_for(scope, "grade").rows] == [
            ("Grade 5", "56,0", 25)
        ]
    assert by_grade[0].held == 25


def test_the_yearly_line_is_shared_by_study_days_less_holidays(world, calendar, maths_5a):
    """A week of holidays for grade 5 only in the second quarter: the year has 165 study days for 5А, the
    first quarter 40 of them, so its share of 170 hours is 170 × 40 / 165 = 41.2."""
    f.HolidayFactory(
        school_year=calendar.year, starts_on=D(2030, 11, 11), ends_on=D(2030, 11, 15), min_grade=5, max_grade=5
    )
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    assert scope.period_share(5) == Decimal(40) / Decimal(165)
    assert scope.period_share(6) == Decimal(40) / Decimal(170)
    assert fulfilment_for(scope, "class").rows[0].planned_shown == "41,2"


def test_the_year_takes_the_yearly_line_and_the_share_of_the_year_passed(calendar, maths_5a):
    scope = build_scope(school_year=calendar.year, period=None, today=TODAY)
    (row,) = fulfilment_for(scope, "class").rows
    # 170 planned, 20 of 170 study days passed → 20 to date; the lesson of 30.09 is still to come
    assert (row.planned_shown, row.planned_to_date_shown, row.held, row.lag_shown) == ("170,0", "20,0", 18, "2,0")


# --- Results ----------------------------------------------------------------------------------------


@dataclass
class Finals:
    c5a: models.ClassUnit
    c6b: models.ClassUnit
    teacher: models.Employee


def student_in(world, class_unit, surname, **membership) -> models.Student:
    student = f.StudentFactory(school=world.school, surname=surname)
    f.ClassMembershipFactory(student=student, class_unit=class_unit, **membership)
    return student


def final(calendar, student, value, period=None, **extra) -> models.FinalMark:
    return f.FinalMarkFactory(
        period=period or calendar.q1, student=student, subject=calendar.maths, value=value, **extra
    )


@pytest.fixture
def finals(world, calendar) -> Finals:
    """DOMAIN.md's two examples, for the first quarter's maths finals:
    5Б: 5, 4, 3, 2, осв → N = 4, 75 %, 50 %, СОУ 54; plus a student who left on 01.10 (final 2, excluded)
    and one without marks or final (excluded); 6Б: 5, 4, н/а → N = 3, 66.7 %, 66.7 %, СОУ 57."""
    c5a = f.ClassUnitFactory(school_year=calendar.year, grade_level=5, letter="Б")
    c6b = f.ClassUnitFactory(school_year=calendar.year, grade_level=6, letter="Б")
    ivanova = teacher(world, "Иванова")
    f.TeachingAssignmentFactory(teacher=ivanova, subject=calendar.maths, class_unit=c5a)
    for surname, value in [("Аов", "5"), ("Бов", "4"), ("Вов", "3"), ("Гов", "2"), ("Дов", "осв")]:
        final(calendar, student_in(world, c5a, surname), value)
    left = student_in(world, c5a, "Ушедший", ends_on=D(2030, 10, 1))
    final(calendar, left, "2")
    student_in(world, c5a, "Новенький")  # no marks, no final
    for surname, value in [("Еов", "5"), ("Жов", "4"), ("Зов", "н/а")]:
        final(calendar, student_in(world, c6b, surname), value)
    return Finals(c5a, c6b, ivanova)


def result_figures(row) -> dict:
    return {
        "label": row.label,
        "all": row.all,
        "without_marks": row.without_marks,
        "n": row.n,
        "distribution": row.distribution,  # 5, 4, 3, 2, н/а, осв, no final yet
        "progress": row.progress_shown,
        "quality": row.quality_shown,
        "sou": row.sou_shown,
        "average": row.average_shown,
    }


def test_results_by_class_match_domain_examples(calendar, finals):
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    results = results_for(scope, "class")
    assert [result_figures(row) for row in results.rows] == [
        {
            "label": "5Б",
            "all": 6,
            "without_marks": 1,
            "n": 4,
            "distribution": [1, 1, 1, 1, 0, 1, 0],
            "progress": "75,0",
            "quality": "50,0",
            "sou": "54,0",
            "average": "3,50",
        },
        {
            "label": "6Б",
            "all": 3,
            "without_marks": 0,
            "n": 3,
            "distribution": [1, 1, 0, 0, 1, 0, 0],
            "progress": "66,7",
            "quality": "66,7",
            "sou": "57,0",
            "average": "4,50",
        },
    ]
    # the whole school: 5 of 7 pass, 4 of 7 good, (200 + 128 + 36 + 16 + 7) / 7 = 55.3, 23 / 6 = 3.83
    assert result_figures(results.total) | {"label": ""} == {
        "label": "",
        "all": 9,
        "without_marks": 1,
        "n": 7,
        "distribution": [2, 2, 1, 1, 1, 1, 0],
        "progress": "71,4",
        "quality": "57,1",
        "sou": "55,3",
        "average": "3,83",
    }


def test_a_student_who_moved_class_counts_in_the_new_one(world, calendar, finals):
    moved = student_in(world, finals.c5a, "Переведённый", ends_on=D(2030, 10, 1))
    f.ClassMembershipFactory(student=moved, class_unit=finals.c6b, starts_on=D(2030, 10, 2))
    final(calendar, moved, "4")
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    rows = {row.label: row for row in results_for(scope, "class").rows}
    assert (rows["5Б"].n, rows["6Б"].n, rows["6Б"].distribution[1]) == (4, 4, 2)


def test_results_by_teacher_and_grade_level(calendar, finals):
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    with translation.override("en"):
        by_teacher = [(row.label, row.n, row.sou_shown) for row in results_for(scope, "teacher").rows]
        by_grade = [(row.label, row.n) for row in results_for(scope, "grade").rows]
    assert by_teacher == [("Иванова М.П.", 4, "54,0"), ("No teacher assigned", 3, "57,0")]
    assert by_grade == [("Grade 5", 4), ("Grade 6", 3)]


def test_awaiting_finals_stay_in_n_and_pass_fail_is_left_out(world, calendar):
    """6В: a 5, a student with marks but no final yet (in N); PE's зач and н/а are on the pass/fail scale."""
    c6v = f.ClassUnitFactory(school_year=calendar.year, grade_level=6, letter="В")
    pe = f.SubjectFactory(school=world.school, name="Физическая культура")
    first, second = student_in(world, c6v, "Аов"), student_in(world, c6v, "Бов")
    final(calendar, first, "5")
    f.FinalMarkFactory(period=calendar.q1, student=first, subject=pe, value="зач", scale="pass_fail")
    f.FinalMarkFactory(period=calendar.q1, student=second, subject=pe, value="н/а", scale="pass_fail")
    f.MarkFactory(lesson=lesson(c6v, calendar.maths, teacher(world, "Иванова"), D(2030, 9, 10)), student=second)
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    (row,) = results_for(scope, "subject").rows
    assert (row.label, row.all, row.n, row.distribution, row.progress_shown) == (
        "Математика",
        2,
        2,
        [1, 0, 0, 0, 0, 0, 1],
        "50,0",
    )


def test_year_results_read_the_year_finals(world, calendar, finals):
    student = models.Student.objects.get(surname="Аов", class_memberships__class_unit=finals.c5a)
    f.FinalMarkFactory(
        period=None, school_year=calendar.year, kind="year", student=student, subject=calendar.maths, value="4"
    )
    scope = build_scope(school_year=calendar.year, period=None, today=D(2031, 6, 1))
    rows = {row.label: row for row in results_for(scope, "class").rows}
    # one year final among six students of 5Б: the others have no year final and no marks
    assert (rows["5Б"].all, rows["5Б"].without_marks, rows["5Б"].n, rows["5Б"].quality_shown) == (6, 5, 1, "100,0")
    assert "6Б" not in rows  # no year final, no marks, no subject of its own: nothing to count


def test_grade_1_has_no_results(world, calendar):
    c1 = f.ClassUnitFactory(school_year=calendar.year, grade_level=1, letter="А")
    student_in(world, c1, "Первоклассник")
    scope = build_scope(school_year=calendar.year, period=calendar.q1, today=TODAY)
    assert results_for(scope, "class").rows == []


# --- The page, its charts and the export -------------------------------------------------------------


def _get(client, user, url, **params):
    with time_machine.travel(AFTER_Q1, tick=False):
        client.force_login(user)
        return client.get(url, params)


def test_the_page_shows_tables_charts_and_denominators(client, world, calendar, finals, english):
    response = _get(client, world.admin.user, URL, period=str(calendar.q1.public_id), grouping="class")
    assert response.status_code == 200
    html = response.content.decode()
    for figure in ("75,0", "50,0", "54,0", "66,7", "57,0", "3,50"):
        assert f"<td>{figure}</td>" in html
    assert "N = all results − осв − results without marks" in html
    assert '<title id="fulfilment-chart-title">Fulfilment to date, %</title>' in html
    assert '<title id="results-chart-title">Distribution of the finals</title>' in html
    assert 'aria-labelledby="results-chart-title results-chart-desc"' in html
    assert "<caption>Results: " in html and "<caption>Curriculum fulfilment: " in html
    assert "style=" not in html and "<style" not in html  # the strict CSP: presentation attributes only
    assert f'href="{XLSX_URL}?period={calendar.q1.public_id}&amp;grouping=class"' in html


def test_the_page_opens_on_the_latest_period_over_else_the_current_year(client, world, calendar, finals, english):
    with time_machine.travel(calendar.q1.starts_on + datetime.timedelta(days=3), tick=False):
        client.force_login(world.admin.user)
        response = client.get(URL)
    assert response.status_code == 200
    assert f'<option value="{calendar.year.public_id}" selected>The whole year</option>' in response.content.decode()
    response = _get(client, world.admin.user, URL)
    assert f'<option value="{calendar.q1.public_id}" selected>' in response.content.decode()


def test_the_xlsx_export_holds_both_sheets(client, world, calendar, finals, maths_5a, english):
    response = _get(client, world.admin.user, XLSX_URL, period=str(calendar.q1.public_id), grouping="class")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="statistics-2030-2031-quarter-1.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Fulfilment", "Results"]
    fulfilment = [list(row) for row in workbook["Fulfilment"].iter_rows(values_only=True)]
    assert fulfilment[0][0].startswith(world.school.short_name)
    assert fulfilment[1][:9] == [
        "Class",
        "Planned hours",
        "Planned to date",
        "Lessons held",
        "Lag",
        "Of the plan, %",
        "To date, %",
        "Cancelled",
        "Substituted",
    ]
    # after the first quarter: 19 lessons held of the 40 planned (the one of 30.09 too), 21 behind
    five_a = next(row for row in fulfilment if row[0] == "5А")
    assert five_a[1:9] == [40, 40, 19, 21, 47.5, 47.5, 1, 2]
    results = [list(row) for row in workbook["Results"].iter_rows(values_only=True)]
    assert results[1][:4] == ["Class", "All results", "Without marks", "N"]
    six_b = next(row for row in results if row[0] == "6Б")
    assert six_b == ["6Б", 3, 0, 3, 1, 1, 0, 0, 1, 0, 0, 66.7, 66.7, 57, 4.5]
    assert results[-1][0] == "Total"


def test_the_school_overview_links_administrators_to_the_statistics(client, world):
    client.force_login(world.admin.user)
    assert f'href="{URL}"' in client.get(reverse("gradebook:school-overview")).content.decode()
    client.force_login(world.staff.user)
    assert f'href="{URL}"' not in client.get(reverse("gradebook:school-overview")).content.decode()


def test_the_charts_scale_past_100_and_stack_to_the_full_width():
    bars = charts.bar_chart([("5А", Decimal("90"), "90,0"), ("5Б", Decimal("120"), "120,0"), ("5В", None, "—")])
    assert [tick.text for tick in bars.ticks] == ["0 %", "50 %", "100 %", "150 %"]
    widths = [float(bar.width) for bar in bars.bars]
    assert widths == pytest.approx([charts.PLOT_WIDTH * 0.6, charts.PLOT_WIDTH * 0.8, 0], abs=0.05)
    assert float(bars.reference_x) == pytest.approx(charts.PLOT_X + charts.PLOT_WIDTH * 2 / 3, abs=0.05)
    stacked = charts.stacked_chart([("5А", [1, 0, 3])], [("5", "#0a0"), ("4", "#00a"), ("3", "#a00")])
    (row,) = stacked.rows
    assert [segment.title for segment in row.segments] == ["5: 1", "3: 3"]
    widths = [float(segment.width) for segment in row.segments]
    assert widths == pytest.approx([charts.PLOT_WIDTH / 4, charts.PLOT_WIDTH * 3 / 4], abs=0.05)


def test_bad_input_gets_a_message_and_no_figures(client, world, calendar, english):
    response = _get(client, world.admin.user, URL, grouping="pupil")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "<table" not in response.content.decode()


def test_another_schools_period_is_not_found(client, world, calendar):
    other_year = models.SchoolYear.objects.get(school=world.other_school)
    other_period = f.ReportingPeriodFactory(school_year=other_year)
    for url in (URL, XLSX_URL):
        assert _get(client, world.admin.user, url, period=str(other_period.public_id)).status_code == 404
        assert _get(client, world.admin.user, url, period=str(other_year.public_id)).status_code == 404
    assert _get(client, world.other_school_admin.user, URL, period=str(calendar.q1.public_id)).status_code == 404


def test_staff_and_teachers_are_refused(client, world, calendar):
    for user in (world.staff.user, world.teacher.user, world.class_teacher.user):
        assert _get(client, user, URL).status_code == 403
        assert _get(client, user, XLSX_URL).status_code == 403


# --- A whole school in a bounded number of queries --------------------------------------------------


def build_classes(world, calendar, count: int, *, start: int) -> None:
    """``count`` classes of grade 5–7, each with three students, three subjects taught by the school's
    three subject teachers, three lessons a subject (one substituted, one cancelled), a final and a mark
    for each student in each subject, and a subgroup in English."""
    subjects = [calendar.maths, calendar.english, f.SubjectFactory(school=world.school, name="История")]
    teachers = [teacher(world, surname) for surname in ("Учителева", "Англова", "Историкова")]
    substitute = teacher(world, "Заменова")
    for number in range(start, start + count):
        grade = 5 + number % 3
        class_unit = f.ClassUnitFactory(school_year=calendar.year, grade_level=grade, letter=f"К{number}")
        students = [student_in(world, class_unit, f"Ученик{number}-{n}") for n in range(3)]
        group = f.StudyGroupFactory(school_year=calendar.year, class_unit=class_unit, kind="subgroup")
        for student in students[:2]:
            f.StudyGroupMembershipFactory(group=group, student=student)
        for subject, who in zip(subjects, teachers, strict=True):
            owner = group if subject == calendar.english else class_unit
            f.TeachingAssignmentFactory(
                teacher=who,
                subject=subject,
                class_unit=None if owner is group else class_unit,
                study_group=group if owner is group else None,
            )
            days = weekdays(QUARTERS[0][0], 3)
            held = lesson(owner, subject, who, days[0], kind="new")
            lesson(owner, subject, who, days[1], substitute=substitute)
            lesson(owner, subject, who, days[2], is_cancelled=True)
            for student in students:
                f.FinalMarkFactory(period=calendar.q1, student=student, subject=subject, value="4")
                f.MarkFactory(lesson=held, student=student, value=4)
    for subject in subjects:
        for grade in (5, 6, 7):
            models.CurriculumLine.objects.get_or_create(
                school_year=calendar.year, subject=subject, grade_level=grade, defaults={"planned_hours": 68}
            )


def _queries(client, user, **params) -> int:
    with time_machine.travel(AFTER_Q1, tick=False):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("grouping", ["class", "teacher"])
def test_the_page_reads_a_whole_school_in_a_fixed_number_of_queries(
    client, world, calendar, grouping, django_assert_max_num_queries
):
    params = {"period": str(calendar.q1.public_id), "grouping": grouping}
    build_classes(world, calendar, 2, start=1)
    with_two = _queries(client, world.admin.user, **params)
    build_classes(world, calendar, 4, start=3)
    with_six = _queries(client, world.admin.user, **params)
    assert with_six == with_two
    with time_machine.travel(AFTER_Q1, tick=False):
        client.force_login(world.admin.user)
        with django_assert_max_num_queries(24):
            response = client.get(URL, params)
    statistics = response.context["statistics"]
    assert statistics.results.total.n == 6 * 3 * 3  # six classes × three students × three subjects
    assert statistics.fulfilment.total.held == 6 * 3 * 2 and statistics.fulfilment.total.cancelled == 6 * 3


def test_statistics_for_gathers_both_parts(calendar, finals):
    statistics = statistics_for(school_year=calendar.year, period=calendar.q1, grouping="subject", today=TODAY)
    assert [row.label for row in statistics.results.rows] == ["Математика"]
    assert statistics.fulfilment.rows[0].label == "Математика"
