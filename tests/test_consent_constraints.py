"""Every database constraint of the consent app refuses what it must; a meta-test fails when a
constraint has no case (as tests/test_constraints.py does for gradebook)."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consent.models import ConsentRecord, ContactPoint, DeliveryPreference

from . import factories as f


def _record(**overrides):
    student = f.StudentFactory()
    values = {
        "school": student.school,
        "student": student,
        "guardian": None,
        "decision": "consent",
        "document": f.ConsentDocumentFactory(school=student.school),
        "form": "paper",
        "paper_number": "17",
        "paper_date": timezone.localdate(),
        "signed_on": timezone.localdate(),
    }
    values.update(overrides)
    ConsentRecord.objects.create(**values)


def _contact(**overrides):
    values = {"guardian": f.GuardianFactory(), "kind": "email", "email": "a@example.test", "provenance": "self"}
    values.update(overrides)
    ContactPoint.objects.create(**values)


def _preference_twice():
    link = f.GuardianshipFactory()
    for _ in range(2):
        DeliveryPreference.objects.create(guardian=link.guardian, student=link.student)


def _document(**overrides):
    overrides.setdefault("school", f.SchoolFactory())
    document = f.ConsentDocumentFactory.build(**overrides)
    document.save()
    return document


VIOLATIONS = {
    "consentrecord_paper_has_number_and_date": lambda: _record(paper_number=""),
    "consentrecord_electronic_has_signature": lambda: _record(form="electronic", signature_reference=""),
    "consentrecord_decision_valid": lambda: _record(decision="maybe"),
    "contact_value_matches_kind": lambda: _contact(kind="phone"),  # a phone contact holding an email
    "contact_written_has_number_and_date": lambda: _contact(provenance="written", document_number="17"),
    "contact_electronic_has_signature": lambda: _contact(provenance="electronic"),
    "deliverypreference_unique_pair": _preference_twice,
    "deliverypreference_paper_has_application": lambda: DeliveryPreference.objects.create(
        guardian=f.GuardianFactory(), student=f.StudentFactory(), paper=True, paper_application_number="5"
    ),
    "consentdocument_unique_version": lambda: _document(
        school=_document().school, version=1, effective_from=datetime.date(2026, 1, 1)
    ),
    "consentdocument_version_positive": lambda: _document(version=0),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_constraint_refuses_the_violation(name):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        VIOLATIONS[name]()
    # PostgreSQL names the constraint (SQLite names the columns for unique ones).
    if connection.vendor == "postgresql":
        assert name in str(excinfo.value)


@pytest.mark.django_db
def test_an_anonymised_contact_may_hold_no_value():
    """The value check gives way once the contact is anonymised: the anonymisation empties both."""
    _contact(email="", anonymised_at=timezone.now())
    assert ContactPoint.objects.filter(email="", phone="").exists()


def test_every_consent_constraint_has_a_case():
    names = {
        constraint.name
        for model in apps.get_app_config("consent").get_models()
        for constraint in model._meta.constraints
    }
    assert names - set(VIOLATIONS) == set()
    assert set(VIOLATIONS) - names == set()
