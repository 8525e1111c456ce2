"""The demo school's registry: consents for the families, one refusal on paper in 5А, one undecided student."""

import pytest
from django.core.management import call_command

from consent.delivery import CABINET, EMAIL, PAPER, SMS, delivery_for, delivery_for_many
from consent.models import ConsentRecord, Decision
from consent.services.records import registry_disagreements
from gradebook import access
from gradebook.models import Guardian, Guardianship, Student


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--seed", "1", "--today", "2026-11-25", verbosity=0)


def test_the_demo_logins_families_are_in_the_cabinet(demo):
    parent = Guardian.objects.get(user__email="parent@school.test")
    children = list(access.children_of(parent.user))
    assert len(children) == 2
    for child in children:
        assert {CABINET, EMAIL} <= delivery_for(parent, child)
        assert PAPER not in delivery_for(parent, child)


def test_one_family_in_5a_refused_and_is_on_paper_without_a_login(demo):
    refusals = ConsentRecord.objects.filter(decision=Decision.REFUSAL)
    students = {r.student_id for r in refusals}
    assert len(students) == 1
    student = Student.objects.get(pk=students.pop())
    assert student.class_memberships.get().class_unit.__str__() == "5А"
    for link in Guardianship.objects.filter(student=student).select_related("guardian"):
        assert link.guardian.user_id is None
        assert delivery_for(link.guardian, student) == {PAPER}


def test_one_student_has_no_decision(demo):
    undecided = Student.objects.exclude(consent_records__isnull=False)
    assert undecided.count() == 1
    assert undecided.get().class_memberships.get().class_unit.__str__() == "5А"


def test_other_consenting_families_get_sms_and_the_flags_agree(demo):
    pairs = list(Guardianship.objects.values_list("guardian_id", "student_id"))
    channels = delivery_for_many(pairs)
    on_paper = [pair for pair, answer in channels.items() if PAPER in answer]
    assert 1 <= len(on_paper) <= 4  # only the families who refused or did not decide
    assert sum(SMS in answer for answer in channels.values()) > len(pairs) // 2
    assert not registry_disagreements()
