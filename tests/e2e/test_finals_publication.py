"""A quarter final reaches the family when it is published, never before: the maths teacher sets it on
the journal's finals page without publishing; the parent does not see it in the child's finals; then
the teacher publishes it (or 24 hours pass) and the parent sees it."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from gradebook.models import FinalMark

from .. import factories as f
from .test_journal_to_diary import PASSWORD, sign_in


def _login(username: str, email: str):
    user = f.UserFactory(username=username, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def school(transactional_db):
    school = f.SchoolFactory(name="МОУ «Победненская школа»", short_name="Победненская школа")
    year = f.SchoolYearFactory(school=school)
    quarter = f.ReportingPeriodFactory(school_year=year, number=1)
    maths = f.SubjectFactory(school=school, name="Математика")
    teacher = f.EmployeeFactory(
        school=school, user=_login("teacher", "teacher@school.test"), surname="Борисова", name="Татьяна"
    )
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А")
    child = f.StudentFactory(school=school, surname="Павлов", name="Даниил", patronymic="Владимирович")
    f.ClassMembershipFactory(student=child, class_unit=class_5a)
    parent = f.GuardianFactory(school=school, user=_login("parent", "parent@school.test"), surname="Павлова")
    f.GuardianshipFactory(guardian=parent, student=child)
    f.record_decision(parent, child)
    f.TeachingAssignmentFactory(teacher=teacher, subject=maths, class_unit=class_5a)
    return {"class": class_5a, "subject": maths, "child": child, "quarter": quarter}


def _set_the_final_without_publishing(page, base_url, school) -> str:
    """The teacher types 5 for the child in the first quarter's column and saves, "publish now" unticked."""
    child = school["child"]
    url = f"{base_url}/journal/{school['class'].public_id}/{school['subject'].public_id}/finals/"
    url += f"?column={school['quarter'].public_id}"
    sign_in(page, base_url, "teacher@school.test")
    page.goto(url)
    field = page.locator(f"input[name='final-{child.public_id}']")
    expect(field).to_have_value("н/а")  # the engine's proposal without marks
    field.fill("5")
    expect(page.locator("input[name=publish]")).not_to_be_checked()
    page.locator("button[name=action][value=save]").click()
    page.wait_for_load_state()
    expect(page.locator(".cell-error")).to_have_count(0)
    expect(page.locator(f"input[name='final-{child.public_id}']")).to_have_value("5")
    final = FinalMark.objects.get(student=child, period=school["quarter"])
    assert (final.value, final.published_at) == ("5", None)
    return url


def _family_finals(page, base_url, school):
    sign_in(page, base_url, "parent@school.test")
    page.goto(f"{base_url}/students/{school['child'].public_id}/finals/")
    return page.locator("tr").filter(has=page.locator("th", has_text="Математика"))


def test_the_parent_sees_a_quarter_final_once_the_teacher_publishes_it(page, live_server, school):
    url = _set_the_final_without_publishing(page, live_server.url, school)

    expect(_family_finals(page, live_server.url, school)).to_have_count(0)

    sign_in(page, live_server.url, "teacher@school.test")
    page.goto(url)
    page.locator("button[name=action][value=publish]").click()
    page.wait_for_load_state()
    assert FinalMark.objects.get(student=school["child"]).published_at is not None

    row = _family_finals(page, live_server.url, school)
    expect(row).to_have_count(1)
    expect(row.locator(".mark-chip")).to_have_text("5")


def test_the_parent_sees_an_unpublished_quarter_final_24_hours_after_it_was_recorded(page, live_server, school):
    _set_the_final_without_publishing(page, live_server.url, school)
    recorded_at = FinalMark.objects.get(student=school["child"]).recorded_at

    with time_machine.travel(recorded_at + datetime.timedelta(hours=23, minutes=55), tick=True):
        expect(_family_finals(page, live_server.url, school)).to_have_count(0)

    with time_machine.travel(recorded_at + datetime.timedelta(hours=24, minutes=1), tick=True):
        assert timezone.now() > recorded_at + datetime.timedelta(hours=24)
        row = _family_finals(page, live_server.url, school)
        expect(row).to_have_count(1)
        expect(row.locator(".mark-chip")).to_have_text("5")
    assert FinalMark.objects.get(student=school["child"]).published_at is None  # no sweep ran: the rule did it
