"""The finals page of a journal (the proposal pre-filled, all or nothing, publish now, publish all, exam
scales, the year and final columns, deferrals and history shown, who reads and who sets) and the
administrator's publication report (the delays' buckets, awaiting and overdue results)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradebook.models import FinalMark, FinalMarkChange, SchoolYear
from gradebook.services import finals as services
from gradebook.services.grading import Rules, year_proposal

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def second_quarter(world, quarter):
    return f.ReportingPeriodFactory(
        school_year=world.year,
        number=2,
        starts_on=quarter.ends_on + datetime.timedelta(days=9),
        ends_on=quarter.ends_on + datetime.timedelta(weeks=9),
    )


def _lesson(world, day, class_unit=None, number=1):
    return f.LessonFactory(
        class_unit=class_unit or world.class_5a, subject=world.math, teacher=world.teacher, date=day, number=number
    )


def _marks(world, student, period, values_and_weights, class_unit=None):
    """Marks of the student at lessons of the period, one a day from its first day."""
    for day, (value, weight) in enumerate(values_and_weights):
        lesson = _lesson(world, period.starts_on + datetime.timedelta(days=day), class_unit)
        work_type = f.WorkTypeFactory(school=world.school, name=f"Вес {weight}", weight=Decimal(weight))
        f.MarkFactory(lesson=lesson, student=student, value=value, work_type=work_type)


def finals_url(owner, subject, column: str | None = None) -> str:
    url = reverse(
        "gradebook:journal-finals", kwargs={"owner_public_id": owner.public_id, "subject_public_id": subject.public_id}
    )
    return f"{url}?column={column}" if column else url


def _field(student) -> str:
    return f"final-{student.public_id}"


def _input_value(html: str, student) -> str:
    match = re.search(rf'name="{_field(student)}"[^>]*?value="([^"]*)"', html, re.S)
    assert match, f"no input for {student}"
    return match.group(1)


def _classmate(world):
    classmate = f.StudentFactory(school=world.school, surname="Соседов", name="Олег")
    f.ClassMembershipFactory(student=classmate, class_unit=world.class_5a)
    return classmate


# --- Setting period finals ---------------------------------------------------------------------


def test_the_input_is_prefilled_with_the_engines_proposal(client, world, quarter):
    _marks(world, world.student, quarter, [(5, 1), (4, 1), (3, 2)])  # 15/4 = 3.75 → 4
    client.force_login(world.teacher.user)
    response = client.get(finals_url(world.class_5a, world.math, quarter.public_id))
    assert response.status_code == 200
    html = response.content.decode()
    expected = services.period_proposal(
        student=world.student, subject=world.math, period=quarter, rules=services.rules_for(world.year)
    )
    assert expected == "4"
    assert _input_value(html, world.student) == "4"
    row = response.context["sheet"].rows[0]
    assert (row.proposed, row.average_shown, row.final) == ("4", "3,75", None)
    assert "read only" not in html


def test_fewer_marks_than_the_minimum_propose_not_assessed(client, world, quarter):
    _marks(world, world.student, quarter, [(5, 1), (5, 1)])
    client.force_login(world.teacher.user)
    html = client.get(finals_url(world.class_5a, world.math, quarter.public_id)).content.decode()
    assert _input_value(html, world.student) == "н/а"


def test_saving_records_the_finals_unpublished_until_confirmed(client, world, quarter):
    _marks(world, world.student, quarter, [(5, 1), (4, 1), (3, 2)])
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    response = client.post(url, {_field(world.student): "5", "action": "save"})
    assert response.status_code == 302
    assert response["Location"] == url
    final = FinalMark.objects.get(student=world.student, period=quarter)
    assert (final.value, final.proposed, final.published_at, final.recorded_by) == ("5", "4", None, world.teacher.user)
    assert not FinalMark.objects.published(timezone.now()).filter(pk=final.pk).exists()
    html = client.get(url).content.decode()
    due = timezone.localtime(final.publication_due())
    assert f"awaiting publication until {due:%d.%m %H:%M}" in html
    assert _input_value(html, world.student) == "5"
    assert "1 result awaits publication." in html


def test_publish_now_makes_the_finals_visible_at_once(client, world, quarter):
    classmate = _classmate(world)
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    response = client.post(url, {_field(world.student): "4", _field(classmate): "осв", "publish": "on"})
    assert response.status_code == 302
    finals = FinalMark.objects.filter(period=quarter)
    assert sorted(finals.values_list("value", flat=True)) == ["4", "осв"]
    assert all(final.published_by == world.teacher.user for final in finals)
    assert FinalMark.objects.published(timezone.now()).filter(period=quarter).count() == 2
    html = client.get(url).content.decode()
    assert html.count("published") >= 2
    assert "awaiting publication" not in html


def test_a_bad_value_saves_nothing_and_says_why_on_its_row(client, world, quarter):
    classmate = _classmate(world)
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    response = client.post(url, {_field(world.student): "5", _field(classmate): "7", "publish": "on"})
    assert response.status_code == 200
    assert not FinalMark.objects.exists()
    html = response.content.decode()
    assert "Nothing was saved: correct the rows marked below." in html
    assert "7 is not a final: 5, 4, 3, 2, 1, н/а, осв, зач or незач." in html
    rows = {row.student: row for row in response.context["sheet"].rows}
    assert rows[classmate].errors and not rows[world.student].errors
    assert _input_value(html, classmate) == "7"  # what was typed stays
    assert _input_value(html, world.student) == "5"
    assert 'aria-invalid="true"' in html


def test_a_refusal_by_the_service_rolls_back_the_other_rows(client, world, django_capture_on_commit_callbacks):
    """Grade 1 has no marks: "5" passes the form's scale check but the service refuses it, and the
    valid "зач" of the other row is not kept either."""
    class_1a = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="А")
    first, second = f.StudentFactory(school=world.school), f.StudentFactory(school=world.school)
    for student in (first, second):
        f.ClassMembershipFactory(student=student, class_unit=class_1a)
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=world.math, class_unit=class_1a)
    period = f.ReportingPeriodFactory(school_year=world.year, number=3)
    client.force_login(world.teacher.user)
    url = finals_url(class_1a, world.math, period.public_id)
    html = client.get(url).content.decode()
    assert _input_value(html, first) == ""  # no proposal without marks
    response = client.post(url, {_field(first): "зач", _field(second): "5"})
    assert response.status_code == 200
    assert not FinalMark.objects.exists()
    assert not FinalMarkChange.objects.exists()
    assert "Grade 1 learns without marks" in response.content.decode()


def test_publish_all_recorded_confirms_the_columns_waiting_finals(client, world, quarter, second_quarter):
    classmate = _classmate(world)
    for student in (world.student, classmate):
        services.final_record(
            by=world.teacher.user,
            student=student,
            subject=world.math,
            kind="period",
            period=quarter,
            value="4",
            class_unit=world.class_5a,
        )
    other_column = services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="period",
        period=second_quarter,
        value="5",
        class_unit=world.class_5a,
    )
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    response = client.post(url, {"action": "publish"}, follow=True)
    assert "Published 2 results: families see them now." in response.content.decode()
    assert FinalMark.objects.filter(period=quarter, published_by=world.teacher.user).count() == 2
    other_column.refresh_from_db()
    assert other_column.published_at is None


def test_an_unchanged_row_with_publish_now_is_published(client, world, quarter):
    final = services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="period",
        period=quarter,
        value="3",
        class_unit=world.class_5a,
    )
    _lesson(world, quarter.starts_on)  # the administrator reads a journal through its lessons
    client.force_login(world.admin.user)
    response = client.post(
        finals_url(world.class_5a, world.math, quarter.public_id), {_field(world.student): "3", "publish": "on"}
    )
    assert response.status_code == 302
    final.refresh_from_db()
    assert final.published_by == world.admin.user
    assert final.history.count() == 1


def test_each_final_shows_its_history_and_an_open_deferral_shows_its_date(client, world, quarter):
    classmate = _classmate(world)
    for value in ("4", "5"):
        services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=world.math,
            kind="period",
            period=quarter,
            value=value,
            class_unit=world.class_5a,
        )
    deferral = f.DeferralFactory(student=classmate, subject=world.math, period=quarter)
    client.force_login(world.teacher.user)
    html = client.get(finals_url(world.class_5a, world.math, quarter.public_id)).content.decode()
    assert "<summary>History" in html
    assert "— → 4" in html and "4 → 5" in html
    assert f"deferred until {deferral.due_on:%d.%m.%Y}" in html
    assert _input_value(html, classmate) == ""  # no proposal while the final is deferred


# --- Exams, the year and the final mark ---------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "typed", "value", "points"),
    [
        ("five", "4", "4", None),
        ("points", "87", "", 87),
        ("pass_fail", "зач", "зач", None),
        ("points", "н/а", "н/а", None),
    ],
)
def test_exam_results_on_each_scale(client, world, scale, typed, value, points):
    _lesson(world, world.year.starts_on)
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, "exam-school")
    response = client.post(url, {_field(world.student): typed, "scale": scale})
    assert response.status_code == 302, response.content.decode()
    result = FinalMark.objects.get(student=world.student, kind="exam")
    assert (result.exam, result.scale, result.value, result.points) == ("school", scale, value, points)
    html = client.get(url).content.decode()
    assert _input_value(html, world.student) == typed
    assert f'<option value="{scale}" selected>' in html


def test_an_exam_result_off_its_scale_is_refused(client, world):
    client.force_login(world.teacher.user)
    url = finals_url(world.class_5a, world.math, "exam-school")
    response = client.post(url, {_field(world.student): "120", "scale": "points"})
    assert response.status_code == 200
    assert "120 is not a result in points: a whole number from 0 to 100, н/а or осв." in response.content.decode()
    response = client.post(url, {_field(world.student): "5", "scale": "pass_fail"})
    assert "5 is not a pass/fail result: зач, незач, н/а or осв." in response.content.decode()
    assert not FinalMark.objects.exists()


def test_state_exams_follow_the_grade_level(client, world):
    class_9 = f.ClassUnitFactory(school_year=world.year, grade_level=9, letter="В")
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=world.math, class_unit=class_9)
    client.force_login(world.teacher.user)
    keys_9 = [c.key for c in client.get(finals_url(class_9, world.math)).context["sheet"].columns]
    keys_5 = [c.key for c in client.get(finals_url(world.class_5a, world.math)).context["sheet"].columns]
    assert "exam-oge" in keys_9 and "exam-ege" not in keys_9
    assert "exam-oge" not in keys_5 and "exam-school" in keys_5
    assert client.get(finals_url(world.class_5a, world.math, "exam-oge")).context["sheet"].column.key != "exam-oge"


def test_year_proposal_is_the_engines_average_of_the_period_finals():
    assert year_proposal(["5", "4"]) == "5"  # 4.5 reaches the default threshold for 5
    assert year_proposal(["5", "4"], Rules(Decimal("4.6"), Decimal("3.6"), Decimal("2.6"))) == "4"
    assert year_proposal(["4", "3", "н/а"]) == "4"  # н/а does not count: 3.5 → 4
    assert year_proposal(["3", "3", "2", "2"]) == "3"
    assert year_proposal(["осв", "осв"]) == "осв"
    assert year_proposal(["зач", "незач"]) == "н/а"
    assert year_proposal([]) == "н/а"


def test_the_year_column_proposes_from_the_period_finals(client, world, quarter, second_quarter):
    for period, value in ((quarter, "5"), (second_quarter, "4")):
        f.FinalMarkFactory(student=world.student, subject=world.math, period=period, value=value)
    _lesson(world, quarter.starts_on)
    client.force_login(world.teacher.user)
    html = client.get(finals_url(world.class_5a, world.math, "year")).content.decode()
    assert _input_value(html, world.student) == "5"
    response = client.post(finals_url(world.class_5a, world.math, "year"), {_field(world.student): "5"})
    assert response.status_code == 302
    year_final = FinalMark.objects.get(kind="year")
    assert (year_final.value, year_final.period, year_final.school_year) == ("5", None, world.year)
    final_html = client.get(finals_url(world.class_5a, world.math, "final")).content.decode()
    assert _input_value(final_html, world.student) == "5"  # the final mark proposes the year final


# --- Who reads, who sets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("teacher", 200, 302),
        ("admin", 200, 302),
        ("class_teacher", 200, 403),
        ("staff", 200, 403),
        ("other_teacher", 404, 404),  # the teacher of another class
        ("other_school_admin", 404, 404),
        ("parent", 403, 403),
        ("student", 403, 403),
    ],
)
def test_who_reads_and_who_sets_the_finals(client, world, quarter, role, read, write):
    _lesson(world, quarter.starts_on)
    client.force_login(getattr(world, role).user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    response = client.get(url)
    assert response.status_code == read
    if read == 200:
        html = response.content.decode()
        assert (_field(world.student) in html) == (write == 302)
        assert ("read only" in html) == (write != 302)
    assert client.post(url, {_field(world.student): "5"}).status_code == write
    assert client.post(url, {"action": "publish"}).status_code == write
    assert FinalMark.objects.exists() == (write == 302)


def test_the_journal_links_to_its_finals(client, world, quarter):
    _lesson(world, quarter.starts_on)
    client.force_login(world.teacher.user)
    html = client.get(
        reverse(
            "gradebook:journal",
            kwargs={"owner_public_id": world.class_5a.public_id, "subject_public_id": world.math.public_id},
        )
        + f"?period={quarter.public_id}"
    ).content.decode()
    assert f'href="{finals_url(world.class_5a, world.math, quarter.public_id)}"' in html


def _fill(world, quarter, students, lessons):
    """Each student: three marks and a recorded final with its history; every third an open deferral
    instead of the final."""
    work_type = f.WorkTypeFactory(school=world.school)
    for index, student in enumerate(students):
        for lesson, value in zip(lessons, (5, 4, 3), strict=True):
            f.MarkFactory(lesson=lesson, student=student, value=value, work_type=work_type)
        if index % 3 == 2:
            f.DeferralFactory(student=student, subject=world.math, period=quarter)
        else:
            final = f.FinalMarkFactory(student=student, subject=world.math, period=quarter, value="4")
            FinalMarkChange.objects.create(final=final, new_value="4", changed_by=world.teacher.user)


def _new_students(world, count):
    students = [f.StudentFactory(school=world.school) for _ in range(count)]
    for student in students:
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
    return students


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "admin"])
def test_the_finals_page_of_30_students_reads_in_a_constant_number_of_queries(
    client, world, quarter, role, django_assert_max_num_queries
):
    """As many queries for 30 students with marks, finals, history and deferrals as for 3: none per row."""
    lessons = [_lesson(world, quarter.starts_on + datetime.timedelta(days=day)) for day in range(3)]
    _fill(world, quarter, [world.student, *_new_students(world, 2)], lessons)
    client.force_login(getattr(world, role).user)
    url = finals_url(world.class_5a, world.math, quarter.public_id)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(world, quarter, _new_students(world, 27), lessons)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["sheet"].rows) == 30
    assert response.content.decode().count("<summary>History") == 20
    assert len(few.captured_queries) <= 25, [q["sql"][:100] for q in few.captured_queries]


# --- The publication report ---------------------------------------------------------------------

REPORT = reverse("gradebook:finals-publication")


def _final(world, period, recorded_ago, published_after=None, by=None, **extra):
    """A final recorded ``recorded_ago`` before now, published ``published_after`` later (or not)."""
    now = timezone.now()
    recorded_at = now - recorded_ago
    return f.FinalMarkFactory(
        student=extra.pop("student", world.student),
        subject=world.math,
        period=period,
        recorded_at=recorded_at,
        published_at=recorded_at + published_after if published_after is not None else None,
        published_by=by,
        **extra,
    )


@pytest.fixture
def published_finals(world, quarter, second_quarter):
    """Delays 10 min, 30 min | 2 h | 10 h | 24 h (the sweep) and 3 days (a change after the rule made it
    public); one awaiting publication and one past 24 hours unstamped; the second quarter and another
    school aside."""
    teacher = world.teacher.user
    students = [world.student, *_new_students(world, 7)]
    delays = [HOUR / 6, HOUR / 2, 2 * HOUR, 10 * HOUR, None, 72 * HOUR]
    for student, delay in zip(students, delays, strict=False):
        if delay is None:
            _final(world, quarter, 30 * HOUR, 24 * HOUR, student=student)
        else:
            _final(world, quarter, 100 * HOUR, delay, by=teacher, student=student)
    awaiting = _final(world, quarter, 2 * HOUR, student=students[6])
    overdue = _final(world, quarter, 30 * HOUR, student=students[7])
    _final(world, second_quarter, 5 * HOUR, HOUR / 6, by=teacher)
    other_period = f.ReportingPeriodFactory(school_year=SchoolYear.objects.get(school=world.other_school))
    f.FinalMarkFactory(period=other_period, recorded_at=timezone.now() - 30 * HOUR)
    return {"awaiting": awaiting, "overdue": overdue}


def test_the_publication_report_counts_the_delays_in_buckets(client, world, quarter, published_finals):
    client.force_login(world.admin.user)
    response = client.get(REPORT, {"period": quarter.public_id})
    assert response.status_code == 200
    report = response.context["report"]
    assert [bucket.count for bucket in report.buckets] == [2, 1, 1, 2]
    assert [bucket.share_shown for bucket in report.buckets] == ["33,3", "16,7", "16,7", "33,3"]
    assert [bar.shown for bar in report.chart.bars] == ["33,3 %", "16,7 %", "16,7 %", "33,3 %"]
    bars = report.chart.bars
    assert bars[0].width == bars[3].width
    assert float(bars[0].width) == pytest.approx(2 * float(bars[1].width), abs=0.2)
    assert report.published == 6
    assert report.awaiting == [published_finals["awaiting"]]
    assert report.overdue == [published_finals["overdue"]]
    html = response.content.decode()
    assert 'role="img" aria-labelledby="delays-chart-title delays-chart-desc"' in html
    assert html.count("<rect ") == 4
    assert "<style" not in html and "<script>" not in html
    assert "Announcement overdue" in html
    due = timezone.localtime(published_finals["awaiting"].publication_due())
    assert f"{due:%d.%m.%Y %H:%M}" in html


def test_without_a_period_the_report_covers_the_school_year(client, world, published_finals):
    client.force_login(world.admin.user)
    report = client.get(REPORT).context["report"]
    assert [bucket.count for bucket in report.buckets] == [3, 1, 1, 2]
    assert (report.awaiting_count, report.overdue_count) == (1, 1)


def test_the_report_of_an_administrator_of_another_school_shows_only_theirs(client, world, published_finals):
    client.force_login(world.other_school_admin.user)
    report = client.get(REPORT).context["report"]
    assert report.published == 0
    assert report.overdue_count == 1
    assert report.overdue[0].school == world.other_school


def test_the_sweep_clears_the_overdue_announcements(client, world, quarter, published_finals):
    services.finals_publish_overdue()
    client.force_login(world.admin.user)
    report = client.get(REPORT, {"period": quarter.public_id}).context["report"]
    assert report.overdue_count == 0
    assert [bucket.count for bucket in report.buckets] == [2, 1, 1, 3]
    assert "None: every result past 24 hours is announced." in client.get(REPORT).content.decode()


def test_the_publication_report_reads_in_a_constant_number_of_queries(
    client, world, quarter, second_quarter, django_assert_max_num_queries
):
    client.force_login(world.admin.user)
    _final(world, quarter, 2 * HOUR)
    with CaptureQueriesContext(connection) as few:
        assert client.get(REPORT, {"period": quarter.public_id}).status_code == 200
    for student in _new_students(world, 40):
        _final(world, quarter, 2 * HOUR, student=student)
        _final(world, second_quarter, 30 * HOUR, student=student)
        _final(world, None, 50 * HOUR, HOUR, student=student, kind="year", school_year=world.year)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(REPORT, {"period": quarter.public_id})
    assert response.context["report"].awaiting_count == 41
    assert len(few.captured_queries) <= 15
