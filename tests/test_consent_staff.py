"""The staff's side of the consent registry: find a family, a student's registry and history, record a
decision with its scan, the scan served privately, the printed form, the lists, the admin.

School A is the world's school (its staff and administrator); ``other_school_admin`` serves school B
and must get 404s for school A's objects; families, teachers and students get 403s.
"""

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent.delivery import PAPER
from consent.models import ConsentDocument, ConsentRecord, ContactEvent, ContactPoint, DeliveryPreference, Provenance
from consent.services.records import consent_record
from gradebook.models import Guardianship, PersonalDataAccess

from . import factories as f

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _english_and_private_media(client, settings, tmp_path):
    """Pages in English (the source strings; the printed form stays Russian), scans under a temporary MEDIA_ROOT."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the language switch sets it
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, **kwargs) -> str:
    return reverse(f"consent:{name}", kwargs=kwargs or None)


def scan(content: bytes = PDF, name: str = "application.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def newcomer(world):
    """A second parent of ``world.student`` who has not decided anything yet (with a login)."""
    guardian = f.GuardianFactory(
        school=world.school, user=f.UserFactory(username="newparent"), surname="Новикова", name="Ольга"
    )
    f.GuardianshipFactory(guardian=guardian, student=world.student, relation=Guardianship.Relation.FATHER)
    return guardian


def link_of(guardian, student) -> Guardianship:
    return Guardianship.objects.get(guardian=guardian, student=student)


def paper_consent(person, **changes) -> dict:
    data = {
        "guardian": str(person.public_id),
        "decision": "consent",
        "form": "paper",
        "paper_number": "С-101",
        "paper_date": timezone.localdate().isoformat(),
        "signature_reference": "",
        "signed_on": timezone.localdate().isoformat(),
        "note": "",
        "supersedes": "",
    }
    data.update(changes)
    return data


# --- Access ---------------------------------------------------------------------------------------

OBJECT_PAGES = ("student-consent", "record-create", "form-pdf")
LIST_PAGES = ("family-search", "undecided", "paper", "withdrawals")


@pytest.mark.parametrize("name", OBJECT_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("admin", 200), ("other_school_admin", 404), ("parent", 403), ("teacher", 403),
     ("class_teacher", 403), ("student", 403)],
)  # fmt: skip
def test_a_students_consent_pages_open_to_the_staff_of_the_school_only(client, world, name, role, status):
    client.force_login(getattr(world, role).user)
    assert client.get(url(name, public_id=world.student.public_id)).status_code == status


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("admin", 200), ("other_school_admin", 200), ("parent", 403), ("teacher", 403), ("student", 403)],
)
def test_the_lists_open_to_staff_and_administrators(client, world, name, role, status):
    client.force_login(getattr(world, role).user)
    assert client.get(url(name)).status_code == status


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, world, name):
    kwargs = {"public_id": world.student.public_id} if name in OBJECT_PAGES else {}
    response = client.get(url(name, **kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_schools_families_are_neither_found_nor_listed(client, world, newcomer):
    other = f.GuardianFactory(school=world.other_school, surname="Новикова")
    f.GuardianshipFactory(guardian=other, student=world.other_school_student)
    client.force_login(world.staff.user)
    found = client.get(url("family-search"), {"q": "Новикова"}).context["rows"]
    assert [row.student for row in found] == [world.student]
    undecided = client.get(url("undecided")).context["page"].object_list
    assert world.other_school_student not in undecided


def test_opening_a_students_consent_is_logged(client, world):
    client.force_login(world.staff.user)
    client.get(url("student-consent", public_id=world.student.public_id))
    assert PersonalDataAccess.objects.filter(
        viewer=world.staff.user, student=world.student, what="consent:student-consent"
    ).exists()


def test_the_staff_navigation_links_the_registry(client, world):
    client.force_login(world.staff.user)
    html = client.get(reverse("gradebook:school-overview")).content.decode()
    assert url("family-search") in html
    client.force_login(world.teacher.user)
    assert url("family-search") not in client.get(reverse("gradebook:class-list")).content.decode()


# --- Recording a decision ------------------------------------------------------------------------------


def test_staff_record_a_paper_consent_with_its_scan(client, world, newcomer, settings):
    assert not link_of(newcomer, world.student).electronic_access
    client.force_login(world.staff.user)
    page = client.get(url("record-create", public_id=world.student.public_id), {"guardian": newcomer.public_id})
    assert page.status_code == 200
    assert page.context["form"]["guardian"].value() == str(newcomer.public_id)

    response = client.post(
        url("record-create", public_id=world.student.public_id),
        {**paper_consent(newcomer), "scan": scan()},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("student-consent", public_id=world.student.public_id)
    assert "The decision is recorded" in response.content.decode()
    record = ConsentRecord.objects.filter(guardian=newcomer).get()
    assert (record.decision, record.form, record.paper_number) == ("consent", "paper", "С-101")
    assert record.recorded_by == world.staff.user
    assert record.document == ConsentDocument.objects.current_for(world.school)
    assert link_of(newcomer, world.student).electronic_access
    assert Path(record.scan.path).read_bytes() == PDF
    assert Path(record.scan.path).is_relative_to(Path(settings.MEDIA_ROOT))


def test_an_electronic_refusal_then_a_withdrawal_close_the_cabinet(client, world):
    client.force_login(world.admin.user)
    target = url("record-create", public_id=world.student.public_id)
    refusal = paper_consent(world.parent, decision="withdrawal", form="electronic", signature_reference="ЭП-77")
    assert client.post(target, refusal).status_code == 302
    record = ConsentRecord.objects.filter(guardian=world.parent).latest_first().first()
    assert (record.decision, record.form, record.signature_reference) == ("withdrawal", "electronic", "ЭП-77")
    assert (record.paper_number, record.paper_date) == ("", None)
    assert not link_of(world.parent, world.student).electronic_access


@pytest.mark.parametrize(
    ("changes", "upload", "field", "message"),
    [
        ({"signed_on": "2999-01-01"}, None, "signed_on", "cannot be in the future"),
        ({"paper_number": ""}, None, "paper_number", "needs its number"),
        ({"paper_date": ""}, None, "paper_date", "needs its date"),
        ({"form": "electronic"}, None, "signature_reference", "signature reference"),
        ({}, ("notes.txt", b"just some text"), "scan", "Upload a PDF, JPEG or PNG"),
        ({}, ("scan.pdf", PNG), "scan", "Upload a PDF, JPEG or PNG"),
        ({}, ("scan.pdf", PDF + b"x" * 2000), "scan", "too large"),
        ({"decision": "maybe"}, None, "decision", "Select a valid choice"),
        ({"guardian": "self"}, None, "guardian", "Select a valid choice"),  # the student is 11
    ],
    ids=["future-date", "no-number", "no-date", "no-signature", "text-file", "png-named-pdf", "too-large",
         "bad-decision", "too-young"],
)  # fmt: skip
def test_bad_input_changes_nothing_and_says_why(client, world, newcomer, settings, changes, upload, field, message):
    settings.CONSENT_SCAN_MAX_BYTES = 1000
    client.force_login(world.staff.user)
    data = paper_consent(newcomer, **changes)
    if upload:
        data["scan"] = scan(upload[1], upload[0])
    before = ConsentRecord.objects.count()
    response = client.post(url("record-create", public_id=world.student.public_id), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html  # the message sits with its field, which points to it
    assert 'role="alert"' in html
    assert ConsentRecord.objects.count() == before
    assert not link_of(newcomer, world.student).electronic_access
    assert stored_files(settings) == []


def test_a_guardian_of_another_child_cannot_be_chosen(client, world):
    client.force_login(world.staff.user)
    response = client.post(url("record-create", public_id=world.student.public_id), paper_consent(world.other_parent))
    assert response.status_code == 200
    assert "guardian" in response.context["form"].errors
    assert not ConsentRecord.objects.filter(guardian=world.other_parent, student=world.student).exists()


def test_a_student_of_fourteen_decides_for_their_own_cabinet(client, world):
    teen = f.StudentFactory(school=world.school, birth_date=datetime.date(2000, 1, 1))
    f.ClassMembershipFactory(student=teen, class_unit=world.class_6b)
    client.force_login(world.staff.user)
    target = url("record-create", public_id=teen.public_id)
    form = client.get(target).context["form"]
    assert "self" in dict(form.fields["guardian"].choices)
    assert client.post(target, {**paper_consent(world.parent), "guardian": "self"}).status_code == 302
    record = ConsentRecord.objects.get(student=teen)
    assert record.guardian is None
    teen.refresh_from_db()
    assert teen.electronic_access
    page = client.get(url("student-consent", public_id=teen.public_id))
    assert [p.is_self for p in page.context["registry"].people] == [True]


def test_a_correction_names_the_record_it_corrects(client, world):
    wrong = ConsentRecord.objects.get(guardian=world.parent, student=world.student)
    client.force_login(world.staff.user)
    target = url("record-create", public_id=world.student.public_id)
    form = client.get(target, {"corrects": wrong.public_id}).context["form"]
    assert form["supersedes"].value() == str(wrong.public_id)
    assert form["guardian"].value() == str(world.parent.public_id)
    data = paper_consent(world.parent, decision="refusal", supersedes=str(wrong.public_id), note="misread")
    assert client.post(target, data).status_code == 302
    correction = ConsentRecord.objects.get(supersedes=wrong)
    html = client.get(url("student-consent", public_id=world.student.public_id)).content.decode()
    assert f'href="#record-{wrong.public_id}"' in html
    assert f'href="#record-{correction.public_id}"' in html
    wrong.refresh_from_db()  # untouched: append-only
    assert wrong.decision == "consent"


def test_a_correction_of_another_persons_record_is_refused(client, world, newcomer):
    theirs = ConsentRecord.objects.get(guardian=world.parent, student=world.student)
    client.force_login(world.staff.user)
    data = paper_consent(newcomer, supersedes=str(theirs.public_id))
    response = client.post(url("record-create", public_id=world.student.public_id), data)
    assert response.status_code == 200
    assert "same person" in " ".join(response.context["form"].errors["supersedes"])
    assert not ConsentRecord.objects.filter(guardian=newcomer).exists()


def test_without_a_consent_document_the_form_says_so(client, world, newcomer):
    student = f.StudentFactory(school=world.other_school)
    f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.other_school), student=student)
    guardian = student.guardianships.get().guardian
    client.force_login(world.other_school_admin.user)
    response = client.post(url("record-create", public_id=student.public_id), paper_consent(guardian))
    assert response.status_code == 200
    assert "no consent document" in " ".join(response.context["form"].non_field_errors())
    assert not ConsentRecord.objects.filter(student=student).exists()


# --- A student's registry -------------------------------------------------------------------------------


def test_the_students_page_shows_each_persons_decision_channels_and_the_whole_history(client, world, newcomer):
    consent_record(
        student=world.student,
        guardian=world.parent,
        decision="withdrawal",
        form="paper",
        paper_number="О-5",
        paper_date=timezone.localdate(),
        signed_on=timezone.localdate(),
        recorded_by=world.staff.user,
        scan=scan(),
    )
    client.force_login(world.staff.user)
    response = client.get(url("student-consent", public_id=world.student.public_id))
    registry = response.context["registry"]
    decisions = {p.guardian: p.decision for p in registry.people}
    assert decisions == {world.parent: "withdrawal", newcomer: "none"}
    assert all([c.code for c in p.channels] == [PAPER] for p in registry.people)
    assert [e.record.decision for e in registry.history] == ["withdrawal", "consent"]  # newest first
    latest = registry.history[0]
    assert latest.recorded_by == world.staff.short_name
    html = response.content.decode()
    assert url("record-scan", public_id=latest.record.public_id) in html
    assert "paper application No. О-5" in html
    assert "version 1" in html
    assert "/media/" not in html
    assert f"{url('form-pdf', public_id=world.student.public_id)}?guardian={newcomer.public_id}" in html


def test_a_consenting_parent_with_a_login_has_the_cabinet(client, world):
    client.force_login(world.staff.user)
    registry = client.get(url("student-consent", public_id=world.student.public_id)).context["registry"]
    (parent,) = registry.people
    assert {c.code for c in parent.channels} == {"cabinet", "portal"}


# --- The scan ---------------------------------------------------------------------------------------------


@pytest.fixture
def scanned(world):
    return consent_record(
        student=world.student,
        guardian=world.parent,
        decision="consent",
        form="paper",
        paper_number="С-9",
        paper_date=timezone.localdate(),
        signed_on=timezone.localdate(),
        recorded_by=world.staff.user,
        scan=scan(),
    )


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_the_scan_is_streamed_privately_to_the_schools_staff(client, world, scanned, role):
    client.force_login(getattr(world, role).user)
    response = client.get(url("record-scan", public_id=scanned.public_id))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("role", "status"), [("other_school_admin", 404), ("parent", 403), ("teacher", 403)])
def test_the_scan_is_nobody_elses(client, world, scanned, role, status):
    client.force_login(getattr(world, role).user)
    assert client.get(url("record-scan", public_id=scanned.public_id)).status_code == status


def test_a_record_without_a_scan_has_none_to_show(client, world):
    record = ConsentRecord.objects.get(guardian=world.parent)
    client.force_login(world.staff.user)
    assert client.get(url("record-scan", public_id=record.public_id)).status_code == 404


def test_scans_have_no_public_media_url(client, world, scanned, settings):
    client.force_login(world.staff.user)
    public = f"/{settings.MEDIA_URL.strip('/')}/{scanned.scan.name}"
    assert client.get(public).status_code == 404


def test_a_png_scan_is_served_as_an_image(client, world):
    record = consent_record(
        student=world.student,
        guardian=world.parent,
        decision="consent",
        form="electronic",
        signature_reference="ЭП-1",
        signed_on=timezone.localdate(),
        scan=scan(PNG, "scan.png"),
    )
    client.force_login(world.staff.user)
    assert client.get(url("record-scan", public_id=record.public_id))["Content-Type"] == "image/png"


# --- The printed form -------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_consent_form_is_a_prefilled_russian_pdf(client, world):
    client.force_login(world.staff.user)
    response = client.get(url("form-pdf", public_id=world.student.public_id), {"guardian": world.parent.public_id})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content).split())
    assert world.parent.full_name in text
    assert world.student.full_name in text
    assert "152-ФЗ" in text
    assert "Согласие на обработку персональных данных".upper() in text
    assert "SMS-шлюз" in text  # the school's consent text: third parties


def test_a_blank_form_leaves_the_representative_to_be_written_by_hand(client, world):
    client.force_login(world.staff.user)
    response = client.get(url("form-pdf", public_id=world.student.public_id))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert world.student.full_name in " ".join(text.split())
    assert world.parent.full_name not in text


@pytest.mark.parametrize("guardian", ["other_parent", "not-a-uuid"])
def test_the_form_is_only_for_the_childs_own_guardian(client, world, guardian):
    value = getattr(world, guardian).public_id if guardian == "other_parent" else guardian
    client.force_login(world.staff.user)
    assert client.get(url("form-pdf", public_id=world.student.public_id), {"guardian": value}).status_code == 404


def test_without_a_consent_document_there_is_no_form_to_print(client, world):
    student = f.StudentFactory(school=world.other_school)
    client.force_login(world.other_school_admin.user)
    response = client.get(url("form-pdf", public_id=student.public_id))
    assert response.status_code == 302
    assert response["Location"] == url("student-consent", public_id=student.public_id)


# --- Finding a family ----------------------------------------------------------------------------------------


def found(client, query: str) -> list:
    return [row.student for row in client.get(url("family-search"), {"q": query}).context["rows"]]


def test_families_are_found_by_the_students_or_a_guardians_name_and_by_class(client, world, newcomer):
    client.force_login(world.staff.user)
    assert found(client, "ученикова") == [world.student]
    assert found(client, "Новик") == [world.student]  # the guardian's surname
    assert found(client, "5А") == [world.student]
    assert found(client, "5a") == [world.student]  # a Latin "a"
    assert found(client, "6Б Другов") == [world.other_student]
    assert found(client, "5А Другов") == []
    assert set(found(client, "")) == {world.student, world.other_student}


def test_each_row_shows_every_guardians_decision_and_channels(client, world, newcomer):
    client.force_login(world.staff.user)
    (row,) = client.get(url("family-search"), {"q": "Ученикова"}).context["rows"]
    assert str(row.class_unit) == "5А"
    people = {p.guardian: (p.decision, [c.code for c in p.channels]) for p in row.people}
    assert people == {world.parent: ("consent", ["cabinet", "portal"]), newcomer: ("none", [PAPER])}


@pytest.fixture
def thirty_families(world):
    """30 more students in 5А and 6Б, each with two guardians, in every state of the registry."""
    decisions = ["consent", "refusal", "unable", "withdrawal", None]
    for n in range(30):
        student = f.StudentFactory(school=world.school, surname=f"Семьина{n:02d}")
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a if n % 2 else world.class_6b)
        for k in range(2):
            guardian = f.GuardianFactory(school=world.school, user=f.UserFactory() if k == 0 else None)
            f.GuardianshipFactory(guardian=guardian, student=student)
            decision = None if n % 6 == 5 else decisions[(n + k) % len(decisions)]
            if decision:
                f.record_decision(guardian, student, decision=decision)
            contact = ContactPoint.objects.create(
                guardian=guardian,
                kind="email",
                email=f"family{n}-{k}@example.test",
                provenance=Provenance.SELF,
                verified_at=timezone.now(),
            )
            ContactEvent.objects.create(contact=contact, action="added", value=contact.email)
            if n % 7 == 0:
                DeliveryPreference.objects.create(
                    guardian=guardian,
                    student=student,
                    paper=True,
                    paper_application_number="П-1",
                    paper_application_date=timezone.localdate(),
                )
    return world


# Session, user and roles take 5; the rest is the page's own, whatever the number of families
# (the search page carries the dashboard's counts too).
QUERY_BUDGETS = {"family-search": 28, "undecided": 18, "paper": 17, "withdrawals": 12}


@pytest.mark.parametrize("name", LIST_PAGES)
def test_the_registry_pages_read_thirty_families_in_a_bounded_number_of_queries(
    client, thirty_families, name, django_assert_max_num_queries
):
    client.force_login(thirty_families.staff.user)
    with django_assert_max_num_queries(QUERY_BUDGETS[name]):
        response = client.get(url(name))
    assert response.status_code == 200
    assert len(response.context["rows"]) >= 5


def test_the_students_page_reads_in_a_bounded_number_of_queries(client, thirty_families, django_assert_max_num_queries):
    world = thirty_families
    for _ in range(10):
        f.record_decision(world.parent, world.student, decision="refusal")
    client.force_login(world.staff.user)
    with django_assert_max_num_queries(20):
        response = client.get(url("student-consent", public_id=world.student.public_id))
    assert len(response.context["registry"].history) == 11


def test_the_search_is_paginated(client, thirty_families):
    client.force_login(thirty_families.staff.user)
    first = client.get(url("family-search"))
    assert first.context["page"].paginator.count == 32
    assert len(first.context["rows"]) == 25
    second = client.get(url("family-search"), {"page": 2})
    assert len(second.context["rows"]) == 7


# --- The lists ----------------------------------------------------------------------------------------------


def test_students_without_any_decision_are_listed(client, world, newcomer):
    undecided = f.StudentFactory(school=world.school, surname="Безрешенная")
    f.ClassMembershipFactory(student=undecided, class_unit=world.class_5a)
    f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school), student=undecided)
    left = f.StudentFactory(school=world.school)  # no class today: left the school
    teen = f.StudentFactory(school=world.school, birth_date=datetime.date(2000, 1, 1))
    f.ClassMembershipFactory(student=teen, class_unit=world.class_6b)
    consent_record(student=teen, guardian=None, decision="consent", form="electronic", signature_reference="ЭП",
                   signed_on=timezone.localdate())  # fmt: skip
    client.force_login(world.staff.user)
    response = client.get(url("undecided"))
    listed = [row.student for row in response.context["rows"]]
    assert listed == [undecided]  # world.student: one parent consented, the other's silence is not "undecided"
    assert left not in listed
    assert response.context["page"].paginator.count == 1
    assert client.get(url("family-search")).context["dashboard"].undecided == 1


def test_families_on_paper_are_listed_with_their_reason(client, world, newcomer):
    student = f.StudentFactory(school=world.school, surname="Бумажная")
    f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
    reasons = {}
    for decision in ("refusal", "unable", "withdrawal", None, "consent-no-login", "consent-asked"):
        login = None if decision == "consent-no-login" else f.UserFactory()
        guardian = f.GuardianFactory(school=world.school, user=login)
        f.GuardianshipFactory(guardian=guardian, student=student)
        if decision:
            f.record_decision(guardian, student, decision=decision.split("-")[0])
        if decision == "consent-asked":
            DeliveryPreference.objects.create(
                guardian=guardian, student=student, paper=True, paper_application_number="П-7",
                paper_application_date=timezone.localdate(),
            )  # fmt: skip
        reasons[guardian] = decision
    client.force_login(world.staff.user)
    response = client.get(url("paper"))
    listed = {row.guardianship.guardian: row.reason for row in response.context["rows"]}
    assert listed == {
        newcomer: "none",
        **{
            guardian: {"consent-no-login": "no_channel", "consent-asked": "asked", None: "none"}.get(decision, decision)
            for guardian, decision in reasons.items()
        },
    }
    assert world.parent not in listed  # consent and a login: the cabinet
    assert {str(row.class_unit) for row in response.context["rows"]} == {"5А"}
    html = response.content.decode()
    assert "asked for paper in writing" in html and "refusal" in html
    assert client.get(url("family-search")).context["dashboard"].paper == len(listed)


def test_withdrawals_show_their_deadline_overdue_first(client, world, newcomer):
    second, third = (f.GuardianFactory(school=world.school) for _ in range(2))
    for guardian in (second, third):
        f.GuardianshipFactory(guardian=guardian, student=world.other_student)
    start = timezone.now()
    with time_machine.travel(start - datetime.timedelta(days=40), tick=False):
        old = f.record_decision(newcomer, world.student, decision="withdrawal")
    with time_machine.travel(start - datetime.timedelta(days=10), tick=False):
        recent = f.record_decision(second, world.other_student, decision="withdrawal")
        gone = f.record_decision(third, world.other_student, decision="withdrawal")
    f.record_decision(third, world.other_student, decision="consent")  # consented again
    client.force_login(world.staff.user)
    response = client.get(url("withdrawals"))
    rows = response.context["rows"]
    assert [row.record for row in rows] == [old, recent]
    assert gone not in [row.record for row in rows]
    assert rows[0].overdue and not rows[1].overdue
    assert rows[0].deadline == timezone.localdate(old.created_at) + datetime.timedelta(days=30)
    assert rows[1].days_left == 20
    assert response.context["overdue"] == 1
    html = response.content.decode()
    assert 'data-overdue="true"' in html
    dashboard = client.get(url("family-search")).context["dashboard"]
    assert (dashboard.withdrawals, dashboard.overdue) == (2, 1)


# --- The admin ----------------------------------------------------------------------------------------------


@pytest.fixture
def admin_site_client(client, world):
    world.admin.user.is_staff = True
    world.admin.user.save(update_fields=["is_staff"])
    client.force_login(world.admin.user)
    return client


def admin_url(model, action, *args) -> str:
    return reverse(f"admin:consent_{model._meta.model_name}_{action}", args=args)


def test_consent_models_are_in_the_admin():
    for model in (ConsentDocument, ConsentRecord, ContactPoint, ContactEvent, DeliveryPreference):
        assert model in admin.site._registry, model


def test_a_document_version_is_edited_until_families_sign_it(admin_site_client, world):
    used = ConsentDocument.objects.get(school=world.school)
    fresh = f.ConsentDocumentFactory(school=world.school, version=2, effective_from=timezone.localdate())
    data = {
        field: getattr(fresh, field)
        for field in ("version", "operator", "purpose", "data_list", "third_parties", "actions", "term", "withdrawal")
    }
    data.update(school=world.school.pk, effective_from=fresh.effective_from.isoformat(), purpose="Новая цель")
    assert admin_site_client.post(admin_url(ConsentDocument, "change", fresh.pk), data).status_code == 302
    fresh.refresh_from_db()
    assert fresh.purpose == "Новая цель"
    page = admin_site_client.get(admin_url(ConsentDocument, "change", used.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = admin_site_client.post(admin_url(ConsentDocument, "change", used.pk), {**data, "version": 1})
    assert response.status_code == 403
    used.refresh_from_db()
    assert used.purpose != "Новая цель"


def test_records_are_only_seen_in_the_admin(admin_site_client, world, scanned):
    record = scanned
    assert admin_site_client.get(admin_url(ConsentRecord, "changelist")).status_code == 200
    page = admin_site_client.get(admin_url(ConsentRecord, "change", record.pk))
    assert page.status_code == 200
    assert url("record-scan", public_id=record.public_id) in page.content.decode()
    assert "/media/" not in page.content.decode()
    assert admin_site_client.get(admin_url(ConsentRecord, "add")).status_code == 403
    assert admin_site_client.post(admin_url(ConsentRecord, "change", record.pk), {}).status_code == 403
    assert admin_site_client.post(admin_url(ConsentRecord, "delete", record.pk), {"post": "yes"}).status_code == 403
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def test_the_admin_shows_only_the_administrators_school(admin_site_client, world):
    other = f.record_decision(
        f.GuardianshipFactory(
            guardian=f.GuardianFactory(school=world.other_school), student=world.other_school_student
        ).guardian,
        world.other_school_student,
    )
    listed = admin_site_client.get(admin_url(ConsentRecord, "changelist")).context["cl"].result_list
    assert other not in listed
    assert len(listed) == 2
    assert admin_site_client.get(admin_url(ConsentRecord, "change", other.pk)).status_code == 302  # "doesn't exist"


@pytest.mark.parametrize("model", [ContactPoint, ContactEvent, DeliveryPreference])
def test_contacts_and_preferences_are_listed_read_only(admin_site_client, world, model):
    contact = ContactPoint.objects.create(
        guardian=world.parent, kind="email", email="p@example.test", provenance=Provenance.SELF
    )
    ContactEvent.objects.create(contact=contact, action="added", value=contact.email)
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student)
    response = admin_site_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert admin_site_client.get(admin_url(model, "add")).status_code == 403
