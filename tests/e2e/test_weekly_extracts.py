"""The weekly paper extracts: the class teacher of 5А opens the class's weekly batch, downloads the PDF and
records that the paper family's extract was handed over; the compliance view then has nobody left."""

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from printouts.models import ExtractRecord
from printouts.services.batches import monday_of, weekly_batch_generate

from .. import factories as f
from .test_journal_to_diary import PASSWORD, sign_in


def _login(username: str, email: str):
    user = f.UserFactory(username=username, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def school(transactional_db):
    """5А: a family on paper (the mother refused electronic delivery) and one with the cabinet; this week's
    batch generated as the weekly job does it."""
    school = f.SchoolFactory(name="МОУ «Бумажная школа»", short_name="Бумажная школа")
    year = f.SchoolYearFactory(school=school)
    f.ReportingPeriodFactory(school_year=year, starts_on=year.starts_on, ends_on=year.ends_on, kind="year")
    class_teacher = f.EmployeeFactory(
        school=school, user=_login("classteacher", "classteacher@school.test"), surname="Классова"
    )
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А", class_teacher=class_teacher)
    on_paper = f.StudentFactory(school=school, surname="Бумагина", name="Вера", patronymic="Олеговна")
    online = f.StudentFactory(school=school, surname="Сетевой", name="Марк", patronymic="")
    for child in (on_paper, online):
        f.ClassMembershipFactory(student=child, class_unit=class_5a)
    mother = f.GuardianFactory(school=school, surname="Бумагина", name="Ольга")
    f.GuardianshipFactory(guardian=mother, student=on_paper)
    f.record_decision(mother, on_paper, decision="refusal")
    father = f.GuardianFactory(school=school, user=_login("parent", "parent@school.test"), surname="Сетевой")
    f.GuardianshipFactory(guardian=father, student=online)
    f.record_decision(father, online)
    batch = weekly_batch_generate(class_unit=class_5a, week_start=monday_of(timezone.localdate()))
    return {"class": class_5a, "child": on_paper, "batch": batch}


def test_the_class_teacher_prints_and_hands_over_the_weekly_extract(page, live_server, school, tmp_path):
    batch, child = school["batch"], school["child"]
    sign_in(page, live_server.url, "classteacher@school.test")

    # The compliance view: the paper family has not got this week's extract yet.
    page.goto(f"{live_server.url}/printouts/compliance/")
    expect(page.locator("#compliance-list tbody tr")).to_have_count(1)
    expect(page.locator("#compliance-list")).to_contain_text("Бумагина")

    # The weekly batches: 5А's register, from the navigation.
    page.goto(f"{live_server.url}/printouts/")
    page.locator(f"a[href='/printouts/batches/{batch.pk}/']").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("5А")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # The PDF: the stored file, as its checksum says.
    with page.expect_download() as download:
        page.locator("#batch-download").click()
    path = tmp_path / "batch.pdf"
    download.value.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == batch.checksum

    # Handed over to the mother today.
    record = page.locator(".extract-record").filter(has_text="Бумагина Вера")
    hand_over = record.locator("form").filter(has=page.locator("input[name=action][value=handed_over]"))
    hand_over.locator("input[name=to]").fill("Бумагина О. В. (мама)")
    hand_over.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".extract-record[data-status=handed_over]")).to_have_count(1)
    entry = ExtractRecord.objects.get(student=child, week_start=batch.week_start)
    assert (entry.status, entry.handed_over_on, entry.handed_to) == (
        "handed_over",
        timezone.localdate(),
        "Бумагина О. В. (мама)",
    )

    # Nobody left without this week's extract.
    page.goto(f"{live_server.url}/printouts/compliance/")
    expect(page.locator("#compliance-list")).to_have_count(0)
    expect(page.locator("#compliance-empty")).to_be_visible()
