"""A teacher enters a mark and homework in the journal grid using only the keyboard; the page is never
reloaded (htmx swaps the cell and the lesson panel); after a reload both are there."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gradebook.models import Attendance, Homework, JournalChange, Mark

from .. import factories as f

PASSWORD = "journal-e2e-secret-42"
MAX_TABS = 60


@pytest.fixture
def small_journal(transactional_db):
    """5А, three students, three maths lessons today, the teacher's login (teacher@school.test)."""
    today = timezone.localdate()
    school = f.SchoolFactory(name="МОУ «Школа журнала»", short_name="Школа журнала")
    year = f.SchoolYearFactory(school=school)
    f.ReportingPeriodFactory(
        school_year=year,
        starts_on=max(year.starts_on, today - datetime.timedelta(days=14)),
        ends_on=today + datetime.timedelta(days=14),
    )
    maths = f.SubjectFactory(school=school, name="Математика")
    f.WorkTypeFactory(school=school, name="Ответ на уроке")
    user = f.UserFactory(username="teacher-journal", email="teacher@school.test")
    user.set_password(PASSWORD)
    user.save()
    teacher = f.EmployeeFactory(school=school, user=user, surname="Учителева", name="Ольга", patronymic="Ивановна")
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А")
    students = [
        f.StudentFactory(school=school, surname=surname, name="Иван", patronymic="")
        for surname in ("Андреев", "Борисов", "Васильев")
    ]
    for student in students:
        f.ClassMembershipFactory(student=student, class_unit=class_5a)
    f.TeachingAssignmentFactory(teacher=teacher, subject=maths, class_unit=class_5a)
    lessons = [
        f.LessonFactory(class_unit=class_5a, subject=maths, teacher=teacher, date=today, number=number)
        for number in (1, 2, 3)
    ]
    return {"class": class_5a, "subject": maths, "students": students, "lessons": lessons}


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", "teacher@school.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def tab_until(page, script: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``script`` (a JS expression on ``el``, the focused element) holds."""
    for _ in range(MAX_TABS):
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({script}); }})()"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"the keyboard never reached {script}")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_the_teacher_enters_a_mark_and_homework_with_the_keyboard_only(page, live_server, small_journal):
    first, second, _third = small_journal["lessons"]
    anna, boris, _vasya = small_journal["students"]
    sign_in(page, live_server.url)
    journal_path = f"/journal/{small_journal['class'].public_id}/{small_journal['subject'].public_id}/"
    page.goto(f"{live_server.url}{journal_path}")
    expect(page.locator("table.journal-grid")).to_be_visible()
    page.evaluate("window.__notReloaded = true")

    # Tab from the top of the page to the first cell (the first student, the first lesson), type 5, Enter.
    first_cell = f"c-{first.pk}-{anna.pk}"
    tab_until(page, "el && el.closest('.journal-grid tbody td')")
    assert focused_id(page) == first_cell
    page.keyboard.type("5")
    with page.expect_response(lambda response: "/journal/cell/" in response.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(page.locator(f"#{first_cell}")).to_have_value("5")
    expect(page.locator(f"#avg-{anna.pk}")).to_have_text("5,00")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, no page load
    assert focused_id(page) == first_cell  # htmx gives the focus back to the new input
    mark = Mark.objects.get()
    assert (mark.student, mark.lesson, mark.value, mark.work_type.name) == (anna, first, 5, "Ответ на уроке")

    # The arrows move between cells: down to the next student, right to the next lesson.
    page.keyboard.press("ArrowDown")
    assert focused_id(page) == f"c-{first.pk}-{boris.pk}"
    page.keyboard.press("ArrowRight")
    assert focused_id(page) == f"c-{second.pk}-{boris.pk}"
    page.keyboard.type("н")
    with page.expect_response(lambda response: "/journal/cell/" in response.url):
        page.keyboard.press("Enter")
    expect(page.locator(f"#c-{second.pk}-{boris.pk}")).to_have_value("н")
    assert Attendance.objects.get().code == "н"

    # A value off the scale: 422, the cell shows the message, nothing changes.
    page.keyboard.press("ArrowUp")
    assert focused_id(page) == f"c-{second.pk}-{anna.pk}"
    page.keyboard.type("7")
    with page.expect_response(lambda response: "/journal/cell/" in response.url) as refused:
        page.keyboard.press("Enter")
    assert refused.value.status == 422
    expect(page.locator(f"#c-{second.pk}-{anna.pk}-error")).to_be_visible()
    expect(page.locator(f"#c-{second.pk}-{anna.pk}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#c-{second.pk}-{anna.pk}")).to_have_value("7")  # what was typed, to be corrected
    assert Mark.objects.count() == 1
    page.keyboard.press("Escape")  # undo the refused value; its message goes
    expect(page.locator(f"#c-{second.pk}-{anna.pk}")).to_have_value("")
    expect(page.locator(f"#c-{second.pk}-{anna.pk}-error")).to_have_count(0)

    # Back to the first lesson's date in the header: Enter opens its panel; homework typed and saved.
    tab_until(page, f"el && el.matches('.lesson-button') && el.closest('th').dataset.lesson === '{first.public_id}'",
              backwards=True)  # fmt: skip
    with page.expect_response(lambda response: f"/journal/lessons/{first.public_id}/" in response.url):
        page.keyboard.press("Enter")
    dialog = page.locator("dialog#lesson-panel")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.name") == "topic"
    page.keyboard.type("Сложение дробей")
    tab_until(page, "el && el.name === 'homework'")
    page.keyboard.type("№ 12, 14 на с. 40")
    tab_until(page, "el && el.type === 'submit' && el.closest('dialog')")
    with page.expect_response(lambda response: f"/journal/lessons/{first.public_id}/" in response.url) as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    expect(dialog.locator("[role=status]")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    homework = Homework.objects.get()
    assert (homework.lesson, homework.text) == (first, "№ 12, 14 на с. 40")
    first.refresh_from_db()
    assert first.topic == "Сложение дробей"
    expect(page.locator(f"#lesson-flags-{first.pk} abbr")).to_have_count(2)  # topic and homework, out of band
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert JournalChange.objects.count() == 4  # the mark, the absence, the topic, the homework

    # After a reload both are there.
    page.reload()
    expect(page.locator(f"#{first_cell}")).to_have_value("5")
    expect(page.locator(f"#avg-{anna.pk}")).to_have_text("5,00")
    page.locator(f"th[data-lesson='{first.public_id}'] .lesson-button").click()
    expect(page.locator("dialog#lesson-panel textarea[name=homework]")).to_have_value("№ 12, 14 на с. 40")
    expect(page.locator("dialog#lesson-panel input[name=topic]")).to_have_value("Сложение дробей")
