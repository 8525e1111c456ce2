"""From the journal to the parent's alerts: the maths teacher records a mark with the keyboard; the
parent, on a phone, sees the unread count in the navigation, finds the new alert in the cabinet, and
opening it lands on the child's marks; afterwards nothing is unread."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification

from .. import factories as f
from .test_journal_grid import tab_until
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
    f.ReportingPeriodFactory(school_year=year, starts_on=year.starts_on, ends_on=year.ends_on, kind="year")
    maths = f.SubjectFactory(school=school, name="Математика")
    f.WorkTypeFactory(school=school, name="Ответ на уроке")
    teacher = f.EmployeeFactory(school=school, user=_login("teacher", "teacher@school.test"), surname="Борисова")
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А")
    child = f.StudentFactory(school=school, surname="Павлов", name="Даниил", patronymic="Владимирович")
    f.ClassMembershipFactory(student=child, class_unit=class_5a)
    parent = f.GuardianFactory(school=school, user=_login("parent", "parent@school.test"), surname="Павлова")
    f.GuardianshipFactory(guardian=parent, student=child)
    f.record_decision(parent, child)
    f.TeachingAssignmentFactory(teacher=teacher, subject=maths, class_unit=class_5a)
    f.LessonFactory(class_unit=class_5a, subject=maths, teacher=teacher, date=timezone.localdate(), number=2)
    return {"class": class_5a, "subject": maths, "child": child}


def test_the_parent_sees_the_new_mark_in_the_cabinet_and_opens_it(page, live_server, school):
    child = school["child"]

    # The teacher, keyboard only: Tab to the cell, type 5, Enter.
    sign_in(page, live_server.url, "teacher@school.test")
    page.goto(f"{live_server.url}/journal/{school['class'].public_id}/{school['subject'].public_id}/")
    tab_until(page, "el && el.closest('.journal-grid tbody td')")
    page.keyboard.type("5")
    with page.expect_response(lambda response: "/journal/cell/" in response.url) as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    assert Notification.objects.filter(student=child, read_at__isnull=True).count() == 1

    # The parent: one unread alert in the navigation, on any page.
    sign_in(page, live_server.url, "parent@school.test")
    expect(page.locator("#unread-count")).to_have_text("1")
    page.locator("a.nav-alerts").click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications/")
    alert = page.locator("li.notification")
    expect(alert).to_have_count(1)
    expect(alert).to_have_class("notification is-unread")
    expect(alert.locator(".notification-new")).to_be_visible()
    expect(alert).to_contain_text("Даниил")
    expect(alert).to_contain_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Opening it lands on the child's marks, where the mark is.
    alert.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/students/{child.public_id}/marks/")
    expect(page.locator("main")).to_contain_text("Математика")
    expect(page.locator("main .mark-chip").filter(has_text="5").first).to_be_visible()

    # Read now: no badge, no "new".
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("#unread-count")).to_have_count(0)
    expect(page.locator("li.notification.is-unread")).to_have_count(0)
    expect(page.locator("li.notification")).to_have_count(1)
