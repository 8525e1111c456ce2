"""The consent registry end to end, on phones (issue 3's acceptance).

In the demo school a new parent with a login joins the 5А student who has no decision yet. The
secretary (staff@school.test) finds the family, records the parent's paper consent with a scan; the
parent, already signed in on their own phone, reloads and the diary opens. The secretary records a
withdrawal; the parent reloads and the diary is closed again, with the page that explains how to
give consent. Pages are matched by stable ids, not by their (translated) words.
"""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from consent.models import ConsentRecord
from gradebook.models import ClassMembership, Guardianship, Student

from .. import factories as f
from .test_parent_cabinet import DEMO_PASSWORD, sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PHONE_WIDTH = 375


@pytest.fixture
def family(transactional_db, settings, tmp_path):
    """The demo school, and a new mother with a login for its 5А student without any decision."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--seed", "1", verbosity=0)
    student = (
        Student.objects.filter(
            pk__in=ClassMembership.objects.current(timezone.localdate())
            .filter(class_unit__grade_level=5, class_unit__letter="А")
            .values("student"),
            consent_records__isnull=True,
        )
        .select_related("school")
        .get()
    )
    login = f.UserFactory(username="novoselova", email="novoselova@school.test", password=DEMO_PASSWORD)
    guardian = f.GuardianFactory(
        school=student.school, user=login, surname="Новосёлова", name="Ирина", patronymic="Павловна"
    )
    f.GuardianshipFactory(guardian=guardian, student=student, relation=Guardianship.Relation.MOTHER)
    return student, guardian


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def record(page, *, decision: str, number: str) -> None:
    """Fill the open decision form for a paper application signed today, and send it."""
    form = page.locator("#consent-record-form")
    form.locator(f"input[name=decision][value={decision}]").check()
    form.locator("input[name=form][value=paper]").check()
    form.locator("input[name=paper_number]").fill(number)
    form.locator("input[name=paper_date]").fill(timezone.localdate().isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/school/consent/students/[0-9a-f-]+/$"))


def test_staff_record_a_consent_and_a_withdrawal_and_the_parents_diary_follows(page, new_context, live_server, family):
    student, guardian = family
    person = f'article.consent-person[data-guardian="{guardian.public_id}"]'

    # The parent signs in on their phone: the child's page explains how to give consent.
    sign_in(page, live_server.url, "novoselova@school.test")
    assert page.url.endswith("/children/")
    page.locator("main article h2 a").first.click()
    page.wait_for_load_state()
    child_url = page.url
    assert page.locator("#consent-heading").count() == 1

    # The secretary finds the family by the mother's surname.
    staff = new_context().new_page()
    sign_in(staff, live_server.url, "staff@school.test")
    staff.goto(f"{live_server.url}/school/consent/")
    assert fits_the_phone(staff)
    assert int(staff.locator("#count-undecided").inner_text()) >= 1
    staff.locator("#family-search input[name=q]").fill("Новосёлова")
    staff.locator("#family-search button[type=submit]").click()
    staff.wait_for_load_state()
    rows = staff.locator(".consent-families article[data-student]")
    assert rows.count() == 1
    assert rows.locator('li[data-decision="none"]').count() >= 1
    rows.first.locator("a").first.click()
    staff.wait_for_url(f"**/school/consent/students/{student.public_id}/")
    assert staff.locator(f'{person}[data-decision="none"]').count() == 1
    assert fits_the_phone(staff)

    # … and records her paper consent, with the scan of the signed application.
    staff.locator(f"{person} a[href*='record/?guardian=']").click()
    staff.wait_for_load_state()
    assert staff.locator("input[name=guardian]:checked").get_attribute("value") == str(guardian.public_id)
    assert fits_the_phone(staff)
    staff.locator("input[name=scan]").set_input_files(
        files=[{"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    record(staff, decision="consent", number="С-501")
    assert staff.locator(f'{person}[data-decision="consent"]').count() == 1
    scan_link = staff.locator(".consent-history li").first.locator("a.scan-link")
    scan = staff.request.get(live_server.url + scan_link.get_attribute("href"))
    assert scan.status == 200
    assert scan.headers["content-type"] == "application/pdf"
    assert scan.body() == PDF
    saved = ConsentRecord.objects.get(guardian=guardian)
    assert (saved.decision, saved.paper_number, saved.recorded_by.username) == ("consent", "С-501", "staff")

    # The parent reloads: the diary opens (class and teachers), no explanation.
    page.goto(child_url)
    assert page.locator("#consent-heading").count() == 0
    assert page.locator("#class-heading").count() == 1
    assert fits_the_phone(page)

    # The secretary records the withdrawal she brought in.
    staff.locator(f"{person} a[href*='record/?guardian=']").click()
    staff.wait_for_load_state()
    record(staff, decision="withdrawal", number="О-502")
    assert staff.locator(f'{person}[data-decision="withdrawal"]').count() == 1
    staff.goto(f"{live_server.url}/school/consent/withdrawals/")
    assert staff.locator(f'tr[data-record="{ConsentRecord.objects.latest_first().first().public_id}"]').count() == 1

    # The parent, still signed in, reloads: the diary is closed again, with the explanation.
    page.reload()
    assert page.locator("#consent-heading").count() == 1
    assert page.locator("#class-heading").count() == 0
