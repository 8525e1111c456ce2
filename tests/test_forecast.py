"""The forecast: hand-computed projections, trends, what it takes and risk; the bulk function against
the single one; the family's marks and forecast pages, the teacher's grid and the class's forecast, each
within a query budget."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from gradebook.models import GradingSettings, Mark, PersonalDataAccess
from gradebook.services.finals import period_proposal, rules_for
from gradebook.services.forecast import DOWN, STEADY, UP, PeriodProgress, forecast_get, forecast_of, forecasts_for
from gradebook.services.grading import DEFAULT_RULES, Rules, proposal

from . import factories as f

START = datetime.date(2025, 9, 1)
END = datetime.date(2025, 10, 26)


def dated(*values, weights=None, start=START):
    """(value, weight, date) marks a day apart, weight 1 unless given."""
    weights = weights or [1] * len(values)
    return [
        (value, Decimal(weight), start + datetime.timedelta(days=index))
        for index, (value, weight) in enumerate(zip(values, weights, strict=True))
    ]


def forecast(marks, *, rules=DEFAULT_RULES, today=START + datetime.timedelta(days=20), held=True):
    return forecast_of(marks, rules=rules, starts_on=START, ends_on=END, today=today, held=held)


# --- The forecast, computed by hand ---------------------------------------------------------------


def test_the_projection_is_the_engines_proposal_with_the_weighted_average():
    result = forecast(dated(5, 4, 3, weights=[1, 1, 2]))
    assert result.average == Decimal("3.75")  # (5 + 4 + 6) / 4
    assert result.average_shown == "3,75"
    assert result.projected == "4"
    assert result.marks == 3
    assert result.needed == 0


def test_the_schools_thresholds_decide():
    marks = dated(5, 3, 4, weights=[2, 1, 1])  # 17 / 4 = 4.25
    assert forecast(marks).projected == "4"
    assert forecast(marks, rules=Rules(Decimal("4.2"), Decimal("3.2"), Decimal("2.2"))).projected == "5"
    assert forecast(dated(5, 3, 5, weights=[2, 1, 1])).projected == "5", "18 / 4 = 4.5: the threshold itself"


def test_fewer_marks_than_the_minimum_project_na_and_say_how_many_are_needed():
    with translation.override("en"):
        two = forecast(dated(5, 5))
        assert (two.projected, two.needed) == ("н/а", 1)
        assert two.what_it_takes == "one more mark is needed for a final"
        none = forecast([])
        assert (none.projected, none.average, none.needed) == ("н/а", None, 3)
        assert none.what_it_takes == "3 more marks are needed for a final"
        assert forecast(dated(5, 5), rules=Rules(min_marks=2)).projected == "5"


def test_what_it_takes_to_reach_the_next_mark():
    with translation.override("en"):
        # 3, 3, 3, 4: 3.25 → 3; with one more 5: 18 / 5 = 3.6 → 4.
        assert forecast(dated(3, 3, 3, 4)).what_it_takes == "one more 5 gives 4"
        # 5, 4, 3×2: 3.75 → 4; (15 + 5k) / (4 + k) ≥ 4.5 from k = 6.
        assert forecast(dated(5, 4, 3, weights=[1, 1, 2])).what_it_takes == "6 more 5s give 5"
        assert forecast(dated(5, 5, 5)).what_it_takes == "already the top mark"
        # 2, 2, 2 of weight 20: (120 + 5k) / (60 + k) ≥ 2.5 from k = 12, beyond the ten looked at.
        assert forecast(dated(2, 2, 2, weights=[20, 20, 20])).what_it_takes == (
            "more than 10 more 5s are needed for the next mark"
        )


def test_the_trend_compares_the_later_half_of_the_marks_with_the_earlier():
    assert forecast(dated(3, 3, 5, 5)).trend == UP
    assert forecast(dated(5, 5, 3, 3)).trend == DOWN
    assert forecast(dated(4, 4, 4, 4)).trend == STEADY
    # 4, 4 against 4×3 and 5: 17 / 4 = 4.25, exactly the threshold above 4.00.
    assert forecast(dated(4, 4, 4, 5, weights=[1, 1, 3, 1])).trend == UP
    # Odd: the middle mark is in neither half: 3, 4 | 5 | 4, 3 → 3.5 against 3.5.
    assert forecast(dated(3, 4, 5, 4, 3)).trend == STEADY
    assert forecast(dated(5, 4, 3)).trend is None, "fewer than four marks: no trend"


def test_the_trend_reads_the_marks_by_date_whatever_their_order():
    marks = dated(3, 3, 5, 5)
    assert forecast(list(reversed(marks))).trend == UP


def test_only_marks_that_count_enter():
    marks = [*dated(4, 5, 5), ("зач", Decimal(1), START), ("осв", Decimal(1), START)]
    result = forecast(marks)
    assert (result.marks, result.average, result.projected) == (3, Decimal("14") / 3, "5")


def test_the_arrow_has_words():
    with translation.override("en"):
        up = forecast(dated(3, 3, 5, 5))
        assert (up.trend_arrow, up.trend_text) == ("↑", "rising")
        assert (forecast(dated(5, 5, 3, 3)).trend_arrow, forecast(dated(4, 4, 4, 4)).trend_text) == ("↓", "steady")


@pytest.mark.parametrize(
    ("today", "passed", "share"),
    [
        (START - datetime.timedelta(days=1), 0, Decimal(0)),
        (START, 1, Decimal(1) / 56),
        (START + datetime.timedelta(days=27), 28, Decimal("0.5")),
        (END, 56, Decimal(1)),
        (END + datetime.timedelta(days=30), 56, Decimal(1)),
    ],
)
def test_the_share_of_the_period_passed_in_calendar_days(today, passed, share):
    progress = forecast([], today=today).progress
    assert (progress.days_passed, progress.days_total, progress.share) == (passed, 56, share)
    assert progress == PeriodProgress.of(START, END, today)


HALF_WAY = START + datetime.timedelta(days=27)


@pytest.mark.parametrize(
    ("values", "held", "today", "at_risk"),
    [
        ((2, 2, 3), True, START + datetime.timedelta(days=5), True),  # 2.33 → 2: an alert at once
        ((5,), True, HALF_WAY - datetime.timedelta(days=1), False),  # н/а early on: too soon to alarm
        ((5,), True, HALF_WAY, True),  # н/а with half of the period gone
        ((), True, END, True),  # no marks at the end of the period
        ((), False, END, False),  # н/а of a subject whose lessons have not begun
        ((3, 2, 3), True, END, False),  # 2.67 → 3
    ],
)
def test_an_alert_for_2_once_lessons_have_begun_and_for_na_from_half_the_period(values, held, today, at_risk):
    assert forecast(dated(*values), held=held, today=today).at_risk is at_risk


@given(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["0.5", "1", "2", "3"])), max_size=30))
def test_the_forecast_at_the_periods_end_is_the_proposal(marks):
    pairs = [(value, Decimal(weight)) for value, weight in marks]
    at_end = forecast([(value, weight, START) for value, weight in pairs], today=END)
    assert at_end.projected == proposal(pairs, DEFAULT_RULES)
    assert at_end.progress.share == 1


# --- The forecast from the database: one and many ------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def quarter(world, today):
    """A quarter of every grade around today."""
    return f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=max(world.year.starts_on, today - datetime.timedelta(days=20)),
        ends_on=today + datetime.timedelta(days=20),
    )


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def answer(world):
    return f.WorkTypeFactory(school=world.school, name="Ответ на уроке", weight=Decimal("1"))


def lesson(world, subject, day, number=1, **extra):
    extra.setdefault("class_unit", None if "study_group" in extra else world.class_5a)
    return f.LessonFactory(subject=subject, date=day, number=number, teacher=world.teacher, **extra)


def give(world, lesson_, student, value, work_type, position=1):
    return f.MarkFactory(
        lesson=lesson_, student=student, value=value, work_type=work_type, position=position,
        weight=work_type.weight, recorded_by=world.teacher.user,
    )  # fmt: skip


def test_the_forecast_at_the_periods_end_is_the_final_proposal(world, quarter, maths, answer):
    GradingSettings.objects.create(
        school_year=world.year, threshold_5=Decimal("4.3"), threshold_4=Decimal("3.3"), threshold_3=Decimal("2.3")
    )
    test = f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))
    give(world, lesson(world, maths, quarter.starts_on), world.student, 5, test)
    give(world, lesson(world, maths, quarter.starts_on, 2), world.student, 3, answer)
    give(world, lesson(world, maths, quarter.starts_on, 3), world.student, 4, answer)  # 17 / 4 = 4.25
    at_end = forecast_get(student=world.student, subject=maths, period=quarter, today=quarter.ends_on)
    rules = rules_for(world.year)
    assert at_end.projected == period_proposal(student=world.student, subject=maths, period=quarter, rules=rules)
    assert at_end.projected == "4"
    give(world, lesson(world, maths, quarter.starts_on, 4), world.student, 4, answer)  # 21 / 5 = 4.2
    GradingSettings.objects.filter(school_year=world.year).update(threshold_5=Decimal("4.2"))
    assert forecast_get(student=world.student, subject=maths, period=quarter, today=quarter.ends_on).projected == "5"


def test_the_bulk_function_gives_what_the_single_one_gives(world, quarter, maths, answer, today):
    """Students of a class and of a subject's group, one who joined late, lessons cancelled or to come."""
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    history = f.SubjectFactory(school=world.school, name="История")
    group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, name="Английский, группа 1")
    late = f.StudentFactory(school=world.school, surname="Поздняя")
    f.ClassMembershipFactory(student=late, class_unit=world.class_5a, starts_on=today)
    f.StudyGroupMembershipFactory(group=group, student=world.student)
    students = [world.student, late, world.other_student]
    first, second = quarter.starts_on, min(quarter.starts_on + datetime.timedelta(days=1), today)
    for number, value in enumerate((5, 4, 4, 3), start=1):
        give(world, lesson(world, maths, first, number), world.student, value, answer)
    give(world, lesson(world, english, second, 1, study_group=group), world.student, 2, answer)
    lesson(world, history, first, 6, is_cancelled=True)
    lesson(world, history, today + datetime.timedelta(days=1), 6)
    if today > quarter.starts_on:
        lesson(world, maths, today - datetime.timedelta(days=1), 7)  # before the late student joined
    subjects = [maths, english, history]

    bulk = forecasts_for(students=students, subjects=subjects, period=quarter, today=today)

    assert set(bulk) == {(s.pk, subject.pk) for s in students for subject in subjects}
    for student in students:
        for subject in subjects:
            one = forecast_get(student=student, subject=subject, period=quarter, today=today)
            assert bulk[student.pk, subject.pk] == one, (student, subject)
    assert bulk[world.student.pk, maths.pk].projected == "4"
    assert bulk[world.student.pk, english.pk].at_risk, "н/а in a group subject whose lessons began"
    assert not bulk[world.student.pk, history.pk].held, "cancelled and future lessons are not held"
    assert not bulk[world.other_student.pk, maths.pk].held, "another class's student"
    assert not bulk[late.pk, maths.pk].held or today == quarter.starts_on


def test_the_bulk_function_reads_in_three_queries(world, quarter, maths, answer, today, django_assert_num_queries):
    students = [f.ClassMembershipFactory(class_unit=world.class_5a).student for _ in range(5)]
    subjects = [maths, *(f.SubjectFactory(school=world.school, name=f"Предмет {n}") for n in range(4))]
    for subject in subjects:
        entry = lesson(world, subject, quarter.starts_on, subjects.index(subject) + 1)
        for student in students:
            give(world, entry, student, 4, answer)
    with django_assert_num_queries(3):
        forecasts = forecasts_for(students=students, subjects=subjects, period=quarter, today=today)
    assert len(forecasts) == 25
    assert all(item.marks == 1 and item.held for item in forecasts.values())


# --- The family's pages -----------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def diary_url(name, world, period=None):
    address = reverse(f"gradebook:{name}", kwargs={"public_id": world.student.public_id})
    return f"{address}?period={period.public_id}" if period else address


def row_of(html: str, text: str) -> str:
    rows = [row for row in html.split("<tr") if text in row]
    assert rows, text
    return rows[0]


def test_the_marks_page_shows_each_subjects_forecast(english, world, quarter, maths, answer):
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    f.TeachingAssignmentFactory(teacher=world.class_teacher, subject=russian, class_unit=world.class_5a)
    for number, value in enumerate((3, 3, 3, 4), start=1):
        give(world, lesson(world, maths, quarter.starts_on, number), world.student, value, answer)
    give(world, lesson(world, russian, quarter.starts_on, 5), world.student, 2, answer)
    english.force_login(world.parent.user)

    html = english.get(diary_url("diary-marks", world, quarter)).content.decode()

    assert ">Forecast</th>" in html
    maths_row = row_of(html, "Математика")
    assert 'class="mark-chip mark-3"' in maths_row and "one more 5 gives 4" in maths_row
    assert "at risk" not in maths_row
    russian_row = row_of(html, "Русский язык")
    assert ">н/а</span>" in russian_row and "2 more marks are needed for a final" in russian_row
    assert '<span class="risk-badge">at risk</span>' in russian_row


def test_the_forecast_tab_puts_the_subjects_at_risk_first(english, world, quarter, maths, answer, today):
    algebra = f.SubjectFactory(school=world.school, name="Алгебра")
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=algebra, class_unit=world.class_5a)
    for number, value in enumerate((3, 3, 5, 5), start=1):
        give(world, lesson(world, maths, quarter.starts_on, number), world.student, value, answer)
    lesson(world, algebra, quarter.starts_on, 5)
    english.force_login(world.parent.user)

    response = english.get(diary_url("diary-forecast", world))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="page">Forecast</a>' in html
    assert html.index("Алгебра") < html.index("Математика"), "the subject at risk first"
    algebra_card, maths_card = html.split("<article")[1:3]
    assert "at risk" in algebra_card and "3 more marks are needed for a final" in algebra_card
    assert "<dd>4,00</dd>" in maths_card and "↑" in maths_card and "rising" in maths_card
    assert "at risk" not in maths_card
    progress = PeriodProgress.of(quarter.starts_on, quarter.ends_on, today)
    assert f'<progress id="period-progress" value="{progress.days_passed}" max="{progress.days_total}">' in html
    assert '<label for="period-progress">' in html


def test_a_first_grader_has_no_forecast(english, world, quarter):
    first_grade = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="В")
    world.student.class_memberships.update(class_unit=first_grade)
    english.force_login(world.parent.user)
    html = english.get(diary_url("diary-forecast", world)).content.decode()
    assert "learns without marks" in html and "<progress" not in html


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["diary-forecast", "diary-marks"])
def test_the_family_pages_read_in_a_constant_number_of_queries(
    client, world, quarter, maths, answer, django_assert_max_num_queries, name
):
    give(world, lesson(world, maths, quarter.starts_on), world.student, 5, answer)
    client.force_login(world.parent.user)
    address = diary_url(name, world, quarter)
    few = _queries(client, address)
    for n in range(12):
        subject = f.SubjectFactory(school=world.school, name=f"Предмет {n}")
        f.TeachingAssignmentFactory(teacher=world.teacher, subject=subject, class_unit=world.class_5a)
        for number in range(1, 4):
            give(world, lesson(world, subject, quarter.starts_on, number + 1), world.student, 2 + number, answer)
    with django_assert_max_num_queries(18):  # with the alerts badge of the navigation
        assert client.get(address).status_code == 200
    assert _queries(client, address) == few


# --- The teacher's journal ----------------------------------------------------------------------------


def journal_url(world, subject, period):
    address = reverse(
        "gradebook:journal",
        kwargs={"owner_public_id": world.class_5a.public_id, "subject_public_id": subject.public_id},
    )
    return f"{address}?period={period.public_id}"


def test_the_grid_has_a_forecast_column_beside_the_average(english, world, quarter, maths, answer):
    lessons = [lesson(world, maths, quarter.starts_on, number) for number in (1, 2, 3)]
    for entry, value in zip(lessons, (2, 2, 3), strict=True):
        give(world, entry, world.student, value, answer)
    english.force_login(world.teacher.user)

    html = english.get(journal_url(world, maths, quarter)).content.decode()

    headers = (
        '<th scope="col" class="journal-average">Average</th><th scope="col" class="journal-forecast">Forecast</th>'
    )
    assert headers in html
    cell = html.split(f'<span id="fc-{world.student.pk}">')[1].split("</td>")[0]
    assert 'class="mark-chip mark-2"' in cell, "2.33 → 2"
    assert '<span class="visually-hidden"> at risk</span>' in cell
    assert "«!» marks an alert" in html


def test_typing_a_mark_updates_the_rows_forecast(english, world, quarter, maths, answer):
    lessons = [lesson(world, maths, quarter.starts_on, number) for number in (1, 2, 3)]
    give(world, lessons[0], world.student, 5, answer)
    give(world, lessons[1], world.student, 5, answer)
    english.force_login(world.teacher.user)
    address = reverse(
        "gradebook:journal-cell",
        kwargs={"lesson_public_id": lessons[2].public_id, "student_public_id": world.student.public_id},
    )

    response = english.post(address, {"value": "4", "period": str(quarter.public_id)}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    oob = html.split(f'<span id="fc-{world.student.pk}" hx-swap-oob="true">')[1]
    assert 'class="mark-chip mark-5"' in oob.split("</span></span>")[0], "5, 5, 4: 4.67 → 5"


def test_the_grid_budget_holds_with_the_forecast(client, world, quarter, maths, answer, django_assert_max_num_queries):
    students = [f.ClassMembershipFactory(class_unit=world.class_5a).student for _ in range(29)]
    lessons = [lesson(world, maths, quarter.starts_on + datetime.timedelta(days=n % 10), n % 7 + 1) for n in range(20)]
    client.force_login(world.teacher.user)
    address = journal_url(world, maths, quarter)
    few = _queries(client, address)
    Mark.objects.bulk_create(
        Mark(school=world.school, lesson=entry, student=student, subject=maths, date=entry.date, value=2 + n % 4,
             work_type=answer, weight=1, recorded_by=world.teacher.user)
        for n, entry in enumerate(lessons) for student in [world.student, *students]
    )  # fmt: skip
    with django_assert_max_num_queries(18):
        assert client.get(address).status_code == 200
    assert _queries(client, address) == few


# --- The class's forecast ------------------------------------------------------------------------------


def class_forecast_url(world, period=None):
    address = reverse("gradebook:class-forecast", kwargs={"public_id": world.class_5a.public_id})
    return f"{address}?period={period.public_id}" if period else address


def test_the_class_forecast_marks_the_alerts_and_counts_them_per_subject(english, world, quarter, maths, answer):
    russian = f.SubjectFactory(school=world.school, name="Русский язык", short_name="Рус. яз.")
    f.TeachingAssignmentFactory(teacher=world.class_teacher, subject=russian, class_unit=world.class_5a)
    second = f.ClassMembershipFactory(class_unit=world.class_5a, student__surname="Яковлев").student
    for number, (mine, theirs) in enumerate(((5, 2), (5, 2), (4, 3)), start=1):
        entry = lesson(world, maths, quarter.starts_on, number)
        give(world, entry, world.student, mine, answer)
        give(world, entry, second, theirs, answer)
    lesson(world, russian, quarter.starts_on, 4)
    english.force_login(world.class_teacher.user)

    response = english.get(class_forecast_url(world))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<abbr title="Русский язык">Рус. яз.</abbr>' in html
    mine, theirs = row_of(html, world.student.short_name), row_of(html, second.short_name)
    assert 'class="mark-chip mark-5"' in mine
    assert mine.count('class="is-at-risk"') == 1, "only Russian: н/а with its lessons begun"
    assert theirs.count('class="is-at-risk"') == 2 and theirs.count("> at risk</span>") == 2
    footer = html.split("<tfoot>")[1].split("</tfoot>")[0]
    assert re.findall(r"<td>(\d+)</td>", footer) == ["1", "2"], "maths: one at risk; Russian: both"
    assert "2 students at risk in at least one subject." in html
    class_page = english.get(reverse("gradebook:class-detail", kwargs={"public_id": world.class_5a.public_id}))
    assert f'href="{class_forecast_url(world)}"' in class_page.content.decode()


def test_the_class_forecast_is_logged_for_staff(client, world, quarter, maths):
    client.force_login(world.staff.user)
    assert client.get(class_forecast_url(world)).status_code == 200
    assert list(PersonalDataAccess.objects.values_list("student_id", "what")) == [
        (world.student.pk, "gradebook:class-forecast")
    ]


def test_the_class_forecast_of_30_students_and_10_subjects_in_a_constant_number_of_queries(
    client, world, quarter, maths, answer, django_assert_max_num_queries
):
    students = [world.student, *(f.ClassMembershipFactory(class_unit=world.class_5a).student for _ in range(29))]
    subjects = [maths]
    for n in range(9):
        subject = f.SubjectFactory(school=world.school, name=f"Предмет {n}")
        f.TeachingAssignmentFactory(teacher=world.teacher, subject=subject, class_unit=world.class_5a)
        subjects.append(subject)
    client.force_login(world.class_teacher.user)
    address = class_forecast_url(world, quarter)
    few = _queries(client, address)
    marks = []
    for subject in subjects:
        for number in range(1, 5):
            entry = lesson(world, subject, quarter.starts_on, number)
            marks += [
                Mark(school=world.school, lesson=entry, student=student, subject=subject, date=entry.date,
                     value=2 + (number + index) % 4, work_type=answer, weight=1, recorded_by=world.teacher.user)
                for index, student in enumerate(students)
            ]  # fmt: skip
    Mark.objects.bulk_create(marks)
    assert Mark.objects.count() == 30 * 10 * 4
    with django_assert_max_num_queries(13):
        response = client.get(address)
    assert response.content.decode().count('<span class="forecast') == 300
    assert _queries(client, address) == few
