"""Personal data duties (152-ФЗ): the log of who opened which student's data, and the anonymisation
of contact data after a withdrawal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.delivery import PAPER, delivery_for
from consent.models import ConsentRecord, ContactEvent, ContactPoint, ContactVerification, Decision, Provenance
from consent.services.anonymise import contacts_anonymise_due
from consent.tasks import anonymise_withdrawn_contacts
from ediary.celery import app as celery_app
from gradebook import access
from gradebook.models import Guardian, PersonalDataAccess, Student
from gradebook.models.base import AppendOnlyError

from . import factories as f
from .conftest import skip_or_fail

LOG = reverse("gradebook:access-log")


def student_page(student) -> str:
    return reverse("gradebook:student-detail", kwargs={"public_id": student.public_id})


def class_page(class_unit) -> str:
    return reverse("gradebook:class-detail", kwargs={"public_id": class_unit.public_id})


def _postgresql_only():
    if connection.vendor != "postgresql":
        skip_or_fail("the append-only triggers are PostgreSQL's (SQLite relies on the model layer)")


# --- Who is logged ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "admin", "staff"])
def test_opening_a_students_page_is_logged_for_staff_and_teachers(client, world, role):
    viewer = getattr(world, role).user
    client.force_login(viewer)
    assert client.get(student_page(world.student)).status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert (entry.viewer, entry.student, entry.school, entry.what) == (
        viewer,
        world.student,
        world.school,
        "gradebook:student-detail",
    )
    assert abs(entry.created_at - timezone.now()) < datetime.timedelta(minutes=1)


@pytest.mark.parametrize("role", ["parent", "student"])
def test_the_family_reading_its_own_page_is_not_logged(client, world, role):
    client.force_login(getattr(world, role).user)
    assert client.get(student_page(world.student)).status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_the_explanation_page_without_consent_is_not_logged(client, world):
    f.record_decision(world.parent, world.student, Decision.WITHDRAWAL)
    client.force_login(world.parent.user)
    assert 'id="consent-heading"' in client.get(student_page(world.student)).content.decode()
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("role", ["other_parent", "other_teacher", "other_school_admin"])
def test_a_page_refused_with_404_writes_nothing(client, world, role):
    client.force_login(getattr(world, role).user)
    assert client.get(student_page(world.student)).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_get_visible_student_logs_when_asked(world):
    access.get_visible_student(world.teacher.user, world.student.public_id)
    assert not PersonalDataAccess.objects.exists()
    access.get_visible_student(world.teacher.user, world.student.public_id, log_as="exchange:student")
    access.get_visible_student(world.parent.user, world.student.public_id, log_as="exchange:student")
    assert list(PersonalDataAccess.objects.values_list("viewer", "what")) == [
        (world.teacher.user.pk, "exchange:student")
    ]


def _grow_class(world, count: int) -> list[Student]:
    students = []
    for _ in range(count):
        student = f.StudentFactory(school=world.school)
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
        f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school), student=student)
        students.append(student)
    return students


def test_the_class_roster_logs_each_student_shown_in_one_query(client, world):
    _grow_class(world, 12)
    client.force_login(world.class_teacher.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(class_page(world.class_5a))
    assert response.status_code == 200
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "gradebook_personaldataaccess"')]
    assert len(inserts) == 1
    shown = {student.pk for student in response.context["students"]}
    assert len(shown) == 13
    logged = PersonalDataAccess.objects.filter(what="gradebook:class-detail", viewer=world.class_teacher.user)
    assert set(logged.values_list("student", flat=True)) == shown
    assert set(logged.values_list("school", flat=True)) == {world.school.pk}


def test_a_teacher_who_is_also_a_parent_is_not_logged_for_their_own_child(client, world):
    own = Guardian.objects.create(school=world.school, user=world.teacher.user, surname="Учителева", name="Ольга")
    f.GuardianshipFactory(guardian=own, student=world.student)
    f.record_decision(own, world.student)
    others = _grow_class(world, 2)
    client.force_login(world.teacher.user)
    assert client.get(student_page(world.student)).status_code == 200
    assert not PersonalDataAccess.objects.exists()
    assert client.get(class_page(world.class_5a)).status_code == 200
    assert set(PersonalDataAccess.objects.values_list("student", flat=True)) == {s.pk for s in others}


def test_a_log_row_holds_ids_only():
    columns = {field.column for field in PersonalDataAccess._meta.concrete_fields}
    assert columns == {"id", "viewer_id", "student_id", "school_id", "what", "created_at"}


# --- The log is append-only ----------------------------------------------------------------------------


@pytest.fixture
def entry(world):
    access.log_personal_data_access(world.teacher.user, world.student, "gradebook:student-detail")
    return PersonalDataAccess.objects.get()


def test_the_model_layer_refuses_to_change_or_delete_a_log_row(entry):
    entry.what = "gradebook:class-detail"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.all().update(what="x")
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.all().delete()
    assert PersonalDataAccess.objects.get().what == "gradebook:student-detail"


@pytest.mark.parametrize(
    "change",
    [
        lambda: PersonalDataAccess._base_manager.all().update(what="x"),
        lambda: PersonalDataAccess._base_manager.all().delete(),
        lambda: connection.cursor().execute("UPDATE gradebook_personaldataaccess SET what = 'x'"),
        lambda: connection.cursor().execute("DELETE FROM gradebook_personaldataaccess"),
    ],
    ids=["orm-update", "orm-delete", "sql-update", "sql-delete"],
)
def test_the_database_refuses_to_change_or_delete_a_log_row(entry, change):
    _postgresql_only()
    with pytest.raises(DatabaseError), transaction.atomic():
        change()
    assert list(PersonalDataAccess.objects.values_list("pk", "what")) == [(entry.pk, "gradebook:student-detail")]


def test_a_logged_student_cannot_be_deleted(entry):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Student.objects.get(pk=entry.student_id).delete()


# --- The administrator's view -----------------------------------------------------------------------------


def _lines(response) -> list:
    assert response.status_code == 200
    return [(line.entry.viewer_id, line.entry.student_id) for line in response.context["lines"]]


@pytest.fixture
def logged(world):
    """The teacher opened the student, the staff member the other student; school B's admin their own."""
    access.log_personal_data_access(world.teacher.user, world.student, "gradebook:student-detail")
    access.log_personal_data_access(world.staff.user, world.other_student, "gradebook:student-detail")
    access.log_personal_data_access(world.other_school_admin.user, world.other_school_student, "gradebook:class-detail")


def test_an_administrator_reads_the_log_of_their_school_only(client, world, logged):
    client.force_login(world.admin.user)
    response = client.get(LOG)
    assert set(_lines(response)) == {
        (world.teacher.user.pk, world.student.pk),
        (world.staff.user.pk, world.other_student.pk),
    }
    html = response.content.decode()
    assert world.teacher.full_name in html  # the viewer by their employee name
    assert world.student.full_name in html
    client.force_login(world.other_school_admin.user)
    assert _lines(client.get(LOG)) == [(world.other_school_admin.user.pk, world.other_school_student.pk)]


def test_the_log_filters_by_student_and_by_viewer(client, world, logged):
    client.force_login(world.admin.user)
    assert _lines(client.get(LOG, {"student": world.student.public_id})) == [(world.teacher.user.pk, world.student.pk)]
    assert _lines(client.get(LOG, {"viewer": world.staff.public_id})) == [(world.staff.user.pk, world.other_student.pk)]
    assert _lines(client.get(LOG, {"student": world.student.public_id, "viewer": world.staff.public_id})) == []
    # Another school's student or employee names nobody here.
    assert _lines(client.get(LOG, {"student": world.other_school_student.public_id})) == []
    assert _lines(client.get(LOG, {"viewer": world.other_school_admin.public_id})) == []
    assert _lines(client.get(LOG, {"student": "not-a-uuid"})) == []


def test_the_log_is_paginated_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.admin.user)
    access.log_personal_data_access(world.teacher.user, world.student, "gradebook:student-detail")
    with CaptureQueriesContext(connection) as small:
        client.get(LOG)
    students = _grow_class(world, 30)
    for viewer in (world.teacher, world.class_teacher, world.staff):
        access.log_personal_data_access(viewer.user, students, "gradebook:class-detail")
    with django_assert_max_num_queries(len(small)):
        response = client.get(LOG)
    assert len(response.context["lines"]) == 50
    assert response.context["page"].paginator.count == 91
    assert len(_lines(client.get(LOG, {"page": 2}))) == 41


def test_the_administrators_navigation_links_to_the_log(client, world):
    client.force_login(world.admin.user)
    assert LOG in client.get(reverse("gradebook:school-overview")).content.decode()
    client.force_login(world.staff.user)
    assert LOG not in client.get(reverse("gradebook:school-overview")).content.decode()


# --- Anonymisation after a withdrawal ---------------------------------------------------------------------


@dataclass
class Contacts:
    email: ContactPoint
    phone: ContactPoint
    removed: ContactPoint


def _contacts(guardian) -> Contacts:
    now = timezone.now()
    email = ContactPoint.objects.create(
        guardian=guardian, kind="email", email="mama@example.test", provenance=Provenance.SELF, verified_at=now
    )
    phone = ContactPoint.objects.create(
        guardian=guardian,
        kind="phone",
        phone="+79161234567",
        provenance=Provenance.WRITTEN,
        document_number="42",
        document_date=timezone.localdate(),
    )
    removed = ContactPoint.objects.create(
        guardian=guardian,
        kind="email",
        email="old@example.test",
        provenance=Provenance.ELECTRONIC,
        signature_reference="ЭП-0001",
        removed_at=now,
    )
    for contact in (email, phone, removed):
        ContactEvent.objects.create(contact=contact, action=ContactEvent.Action.ADDED, value=contact.value)
    ContactEvent.objects.create(contact=email, action=ContactEvent.Action.VERIFIED, value=email.value)
    ContactEvent.objects.create(contact=removed, action=ContactEvent.Action.REMOVED, value=removed.value)
    ContactVerification.objects.create(
        contact=phone, secret_hash=f"{phone.pk:064d}", expires_at=now + datetime.timedelta(minutes=10)
    )
    return Contacts(email=email, phone=phone, removed=removed)


def _values(guardian) -> set[str]:
    contacts = ContactPoint.objects.filter(guardian=guardian)
    return {c.value for c in contacts} | set(
        ContactEvent.objects.filter(contact__in=contacts).values_list("value", flat=True)
    )


def _later(days: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days, hours=1), tick=False)


@pytest.fixture
def withdrawn(world) -> Contacts:
    """The world's parent gave consent (the fixture) and added contacts, and withdraws today."""
    contacts = _contacts(world.parent)
    f.record_decision(world.parent, world.student, Decision.WITHDRAWAL)
    return contacts


def test_nothing_is_anonymised_before_the_term(world, withdrawn):
    with _later(10):
        assert contacts_anonymise_due() == 0
    assert _values(world.parent) >= {"mama@example.test", withdrawn.phone.value, "old@example.test"}
    assert not ContactPoint.objects.filter(anonymised_at__isnull=False).exists()
    assert ContactVerification.objects.exists()


def test_after_the_term_the_contact_values_are_gone_and_the_registry_stays(world, withdrawn):
    records = list(ConsentRecord.objects.order_by("pk").values())
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS):
        assert contacts_anonymise_due() == 3
        moment = timezone.now()
    assert _values(world.parent) == {""}
    for contact in ContactPoint.objects.filter(guardian=world.parent):
        assert (contact.email, str(contact.phone or ""), contact.anonymised_at) == ("", "", moment)
        assert contact.events.filter(action=ContactEvent.Action.ANONYMISED).count() == 1
        assert contact.events.count() > 1  # the history keeps its entries, without their values
    phone = ContactPoint.objects.get(pk=withdrawn.phone.pk)
    assert (phone.document_number, phone.provenance) == ("42", Provenance.WRITTEN)  # the school's reference
    assert not ContactVerification.objects.exists()
    assert list(ConsentRecord.objects.order_by("pk").values()) == records
    assert delivery_for(world.parent, world.student) == {PAPER}


def test_running_twice_changes_nothing_the_second_time(world, withdrawn):
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS):
        assert contacts_anonymise_due() == 3
    events = list(ContactEvent.objects.order_by("pk").values())
    contacts = list(ContactPoint.objects.order_by("pk").values())
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS + 1):
        assert contacts_anonymise_due() == 0
    assert list(ContactEvent.objects.order_by("pk").values()) == events
    assert list(ContactPoint.objects.order_by("pk").values()) == contacts


def test_a_guardian_still_consenting_for_another_child_keeps_their_contacts(world, withdrawn):
    sibling = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=world.parent, student=sibling)
    f.record_decision(world.parent, sibling)
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS + 30):
        assert contacts_anonymise_due() == 0
    assert "mama@example.test" in _values(world.parent)


def test_a_refusal_for_another_child_does_not_keep_the_contacts(world, withdrawn):
    sibling = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=world.parent, student=sibling)
    f.record_decision(world.parent, sibling, Decision.REFUSAL)
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS):
        assert contacts_anonymise_due() == 3


def test_the_term_runs_from_the_latest_withdrawal(world, withdrawn):
    sibling = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=world.parent, student=sibling)
    f.record_decision(world.parent, sibling)
    days = settings.CONSENT_ANONYMISE_AFTER_DAYS
    with _later(10):
        f.record_decision(world.parent, sibling, Decision.WITHDRAWAL)
    with _later(days + 5):
        assert contacts_anonymise_due() == 0  # the second withdrawal is 5 days short of its term
    with _later(days + 10):
        assert contacts_anonymise_due() == 3


def test_a_new_consent_after_the_withdrawal_keeps_the_contacts(world, withdrawn):
    f.record_decision(world.parent, world.student)
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS + 30):
        assert contacts_anonymise_due() == 0
    assert "mama@example.test" in _values(world.parent)


def test_only_the_withdrawn_guardians_contacts_are_touched(world, withdrawn):
    others = _contacts(world.other_parent)
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS):
        assert contacts_anonymise_due() == 3
    assert ContactPoint.objects.get(pk=others.email.pk).email == "mama@example.test"
    assert ContactVerification.objects.filter(contact=others.phone).exists()


def test_the_term_runs_from_the_signing_date_of_a_withdrawal_recorded_late(world):
    _contacts(world.parent)
    days = settings.CONSENT_ANONYMISE_AFTER_DAYS
    f.record_decision(
        world.parent, world.student, Decision.WITHDRAWAL, signed_on=timezone.localdate() - datetime.timedelta(days=20)
    )
    with _later(days - 21):
        assert contacts_anonymise_due() == 0
    with _later(days - 20):
        assert contacts_anonymise_due() == 3


def test_the_daily_task_anonymises_and_beat_runs_it(world, withdrawn):
    with _later(settings.CONSENT_ANONYMISE_AFTER_DAYS):
        assert anonymise_withdrawn_contacts.delay().get() == 3
    assert _values(world.parent) == {""}
    assert "consent.anonymise_withdrawn_contacts" in celery_app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["consent-anonymise-withdrawn-contacts"]
    assert entry["task"] == "consent.anonymise_withdrawn_contacts"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})
    assert settings.CELERY_TIMEZONE == "Europe/Moscow"
