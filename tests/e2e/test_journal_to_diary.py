"""From the journal to the family: the maths teacher enters a mark and homework with the keyboard;
the parent sees both in the child's diary week; the administrator records a substitution, and the
family's week shows it highlighted."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .. import factories as f
from .test_journal_grid import tab_until

PASSWORD = "journal-family-e2e-42"


def _login(username: str, email: str):
    user = f.UserFactory(username=username, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def school(transactional_db):
    today = timezone.localdate()
    school = f.SchoolFactory(name="МОУ «Победненская школа»", short_name="Победненская школа")
    year = f.SchoolYearFactory(school=school)
    f.ReportingPeriodFactory(school_year=year, starts_on=year.starts_on, ends_on=year.ends_on, kind="year")
    maths = f.SubjectFactory(school=school, name="Математика")
    f.WorkTypeFactory(school=school, name="Ответ на уроке")
    teacher = f.EmployeeFactory(
        school=school, user=_login("teacher", "teacher@school.test"), surname="Борисова", name="Татьяна"
    )
    substitute = f.EmployeeFactory(school=school, surname="Заменова", name="Ирина", patronymic="Петровна")
    f.EmployeeFactory(school=school, user=_login("admin", "admin@school.test"), is_teacher=False, is_administrator=True)
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А")
    child = f.StudentFactory(school=school, surname="Павлов", name="Даниил", patronymic="Владимирович")
    f.ClassMembershipFactory(student=child, class_unit=class_5a)
    parent = f.GuardianFactory(school=school, user=_login("parent", "parent@school.test"), surname="Павлова")
    f.GuardianshipFactory(guardian=parent, student=child)
    f.record_decision(parent, child)
    f.TeachingAssignmentFactory(teacher=teacher, subject=maths, class_unit=class_5a)
    lesson = f.LessonFactory(class_unit=class_5a, subject=maths, teacher=teacher, date=today, number=2)
    return {"class": class_5a, "subject": maths, "child": child, "lesson": lesson, "substitute": substitute}


def sign_in(page, base_url: str, login: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_mark_and_homework_reach_the_family_and_a_substitution_is_highlighted(page, live_server, school):
    lesson, child = school["lesson"], school["child"]
    week = f"{live_server.url}/students/{child.public_id}/week/"

    # The teacher, keyboard only: Tab to the cell, type 4, Enter; then the lesson panel for homework.
    sign_in(page, live_server.url, "teacher@school.test")
    page.goto(f"{live_server.url}/journal/{school['class'].public_id}/{school['subject'].public_id}/")
    tab_until(page, "el && el.closest('.journal-grid tbody td')")
    page.keyboard.type("4")
    with page.expect_response(lambda response: "/journal/cell/" in response.url) as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    tab_until(page, f"el && el.matches('.lesson-button') && el.closest('th').dataset.lesson === '{lesson.public_id}'",
              backwards=True)  # fmt: skip
    with page.expect_response(lambda response: f"/journal/lessons/{lesson.public_id}/" in response.url):
        page.keyboard.press("Enter")
    tab_until(page, "el && el.name === 'homework'")
    page.keyboard.type("Учебник, № 345–348")
    tab_until(page, "el && el.type === 'submit' && el.closest('dialog')")
    with page.expect_response(lambda response: f"/journal/lessons/{lesson.public_id}/" in response.url) as panel:
        page.keyboard.press("Enter")
    assert panel.value.status == 200

    # The parent sees both in the child's week.
    sign_in(page, live_server.url, "parent@school.test")
    page.goto(week)
    entry = page.locator("li.lesson").filter(has_text="Математика")
    expect(entry).to_contain_text("Учебник, № 345–348")
    expect(entry.locator(".lesson-results")).to_contain_text("4")
    expect(page.locator("li.lesson.is-changed")).to_have_count(0)

    # The administrator records a substitution.
    sign_in(page, live_server.url, "admin@school.test")
    page.goto(f"{live_server.url}/school/changes/{lesson.public_id}/substitution/")
    page.select_option("select[name=substitute]", str(school["substitute"].public_id))
    page.fill("[name=reason]", "Болезнь учителя")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    lesson.refresh_from_db()
    assert lesson.substitute == school["substitute"]

    # The family's week shows it, highlighted and labelled.
    sign_in(page, live_server.url, "parent@school.test")
    page.goto(week)
    changed = page.locator("li.lesson.is-changed").filter(has_text="Математика")
    expect(changed).to_have_count(1)
    expect(changed.locator(".change-label")).to_be_visible()
    expect(changed).to_contain_text("Заменова")
    expect(changed).to_contain_text("Учебник, № 345–348")
