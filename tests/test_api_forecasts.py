"""The forecasts endpoint (issue 8, point 2): each student's forecast of the final, in the subjects of their class
and groups, for their running reporting period or a chosen one; only families that allow the portal."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exchange.services import api_client_issue
from gradebook.services.forecast import forecast_get

from . import factories as f


@pytest.fixture
def key(world):
    _client, raw_key = api_client_issue(school=world.school, name="Портал", scope="read", by=world.admin.user)
    return raw_key


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def quarter(world, today):
    return f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=max(world.year.starts_on, today - datetime.timedelta(days=30)),
        ends_on=today + datetime.timedelta(days=30),
    )


def marks(world, student, subject, values, class_unit=None, group=None):
    work_type = f.WorkTypeFactory(school=world.school)
    for number, value in enumerate(values, start=1):
        lesson = f.LessonFactory(
            class_unit=class_unit,
            study_group=group,
            subject=subject,
            date=timezone.localdate() - datetime.timedelta(days=number),
            number=number,
        )
        f.MarkFactory(lesson=lesson, student=student, value=value, work_type=work_type, weight=Decimal("1"))


def forecasts(client, key, **params):
    response = client.get("/api/v1/forecasts/", params, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    return {row["student_id"]: row for row in response.json()["results"]}


def test_each_student_in_the_subjects_of_their_class_and_groups(client, world, key, quarter, today):
    english_group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, name="Английский, гр. 1")
    f.StudyGroupMembershipFactory(group=english_group, student=world.student)
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=english, class_unit=None, study_group=english_group)
    marks(world, world.student, world.math, [5, 5, 4], class_unit=world.class_5a)
    marks(world, world.student, english, [3], group=english_group)

    found = forecasts(client, key)
    row = found[str(world.student.public_id)]
    assert row["period"]["id"] == str(quarter.public_id)
    by_subject = {line["subject"]: line for line in row["subjects"]}
    assert list(by_subject) == ["Английский язык", "Математика"]
    maths = by_subject["Математика"]
    assert (maths["marks"], maths["average"], maths["subject_id"]) == (3, "4.67", str(world.math.public_id))
    expected = forecast_get(student=world.student, subject=world.math, period=quarter, today=today)
    assert (maths["projected"], maths["needed"], maths["at_risk"]) == (
        expected.projected,
        expected.needed,
        expected.at_risk,
    )
    assert by_subject["Английский язык"]["marks"] == 1
    # 6Б learns mathematics only; its student has no marks yet.
    other = found[str(world.other_student.public_id)]
    assert [(line["subject"], line["marks"], line["average"]) for line in other["subjects"]] == [
        ("Математика", 0, None)
    ]


def test_only_families_that_allow_the_portal_and_only_this_school(client, world, key, quarter):
    silent = f.StudentFactory(school=world.school)
    f.ClassMembershipFactory(student=silent, class_unit=world.class_5a)
    f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school), student=silent)
    found = forecasts(client, key)
    assert str(silent.public_id) not in found
    assert str(world.other_school_student.public_id) not in found
    assert str(world.student.public_id) in found


def test_a_chosen_period(client, world, key, quarter, today):
    earlier = f.ReportingPeriodFactory(
        school_year=world.year,
        number=2,
        starts_on=quarter.starts_on - datetime.timedelta(days=40),
        ends_on=quarter.starts_on - datetime.timedelta(days=1),
    )
    found = forecasts(client, key, period=str(earlier.public_id))
    assert found[str(world.student.public_id)]["period"]["id"] == str(earlier.public_id)


@pytest.mark.parametrize("period", ["not-a-uuid", str(uuid.uuid4()), "other school"])
def test_an_unknown_period_is_400(client, world, key, quarter, period, english):
    if period == "other school":
        period = str(
            f.ReportingPeriodFactory(
                school_year=world.other_school_student.class_memberships.get().class_unit.school_year
            ).public_id
        )
    response = client.get("/api/v1/forecasts/", {"period": period}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert response.json() == {"period": ["No such reporting period in this school."]}


def test_grade_one_has_no_marks_and_no_forecast(client, world, key, quarter):
    first_grader = f.StudentFactory(school=world.school)
    f.ClassMembershipFactory(student=first_grader, class_unit=f.ClassUnitFactory(school_year=world.year, grade_level=1))
    guardian = f.GuardianFactory(school=world.school)
    f.GuardianshipFactory(guardian=guardian, student=first_grader)
    f.record_decision(guardian, first_grader)
    row = forecasts(client, key)[str(first_grader.public_id)]
    assert (row["period"], row["subjects"]) == (None, [])


def _students(world, n):
    for _ in range(n):
        student = f.StudentFactory(school=world.school)
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
        guardian = f.GuardianFactory(school=world.school)
        f.GuardianshipFactory(guardian=guardian, student=student)
        f.record_decision(guardian, student)
        marks(world, student, world.math, [4, 5], class_unit=world.class_5a)


def test_query_count_does_not_grow_with_the_page_size(client, world, key, quarter):
    _students(world, 2)
    with CaptureQueriesContext(connection) as small:
        forecasts(client, key, limit=2)
    _students(world, 6)
    with CaptureQueriesContext(connection) as large:
        assert len(forecasts(client, key, limit=8)) == 8
    assert len(large) == len(small)
