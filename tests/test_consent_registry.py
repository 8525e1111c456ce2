"""The consent registry: every decision, its effect on ``delivery_for`` and on gradebook's flags,
append-only records (the database refuses an UPDATE or a DELETE), and the flags never disagreeing
with the registry."""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent.delivery import CABINET, EMAIL, PAPER, PORTAL, SMS, delivery_for, delivery_for_many
from consent.models import AppendOnlyError, ConsentRecord, ContactPoint, Decision, DeliveryPreference, Form, Provenance
from consent.services.records import consent_record, registry_disagreements
from gradebook.models import Guardian, Guardianship, Student

from . import factories as f
from .conftest import skip_or_fail

HEADING = 'id="consent-heading"'


def _years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return datetime.date(today.year - years, 1, 1)


@dataclass
class Family:
    student: Student  # 15 years old: decides for their own cabinet
    mother: Guardian
    father: Guardian
    grandmother: Guardian  # not a legal representative


@pytest.fixture
def family(world) -> Family:
    student = f.StudentFactory(school=world.school, user=f.UserFactory(username="teen"), birth_date=_years_ago(15))
    f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
    mother = f.GuardianFactory(school=world.school, user=f.UserFactory(username="mother"))
    father = f.GuardianFactory(school=world.school, user=f.UserFactory(username="father"))
    grandmother = f.GuardianFactory(school=world.school, user=f.UserFactory(username="granny"))
    f.GuardianshipFactory(guardian=mother, student=student, relation=Guardianship.Relation.MOTHER)
    f.GuardianshipFactory(guardian=father, student=student, relation=Guardianship.Relation.FATHER)
    f.GuardianshipFactory(
        guardian=grandmother,
        student=student,
        relation=Guardianship.Relation.GRANDPARENT,
        is_legal_representative=False,
    )
    f.ConsentDocumentFactory(school=world.school)
    return Family(student=student, mother=mother, father=father, grandmother=grandmother)


def decide(guardian, student, decision=Decision.CONSENT, **extra) -> ConsentRecord:
    return f.record_decision(guardian, student, decision, **extra)


def link_flag(guardian, student) -> bool:
    return Guardianship.objects.get(guardian=guardian, student=student).electronic_access


def own_flag(student) -> bool:
    return Student.objects.get(pk=student.pk).electronic_access


def page(student) -> str:
    return reverse("gradebook:student-detail", kwargs={"public_id": student.public_id})


def opens_data(client, user, student) -> bool:
    """Whether the student's page shows data to the user (False: the explanation page)."""
    client.force_login(user)
    response = client.get(page(student))
    assert response.status_code == 200
    return HEADING not in response.content.decode()


# --- Each decision and what it opens ---------------------------------------------------------------


def test_without_a_decision_the_family_is_on_paper(family):
    assert delivery_for(family.mother, family.student) == {PAPER}
    assert not link_flag(family.mother, family.student)
    assert not own_flag(family.student)


def test_a_consent_opens_the_cabinet_and_the_portal(family):
    decide(family.mother, family.student)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL}
    assert link_flag(family.mother, family.student)
    assert own_flag(family.student)  # a legal representative's consent opens the child's own cabinet
    assert delivery_for(family.father, family.student) == {PAPER}  # the father has not decided
    assert not link_flag(family.father, family.student)


def test_a_consent_without_a_login_or_contacts_still_means_paper(world, family):
    aunt = f.GuardianFactory(school=world.school)  # no login
    f.GuardianshipFactory(guardian=aunt, student=family.student, relation=Guardianship.Relation.TRUSTEE)
    decide(aunt, family.student)
    assert delivery_for(aunt, family.student) == {PORTAL, PAPER}
    assert link_flag(aunt, family.student)


def test_email_and_sms_need_a_verified_contact_and_the_guardians_choice(family):
    decide(family.mother, family.student)
    now = timezone.now()
    ContactPoint.objects.create(
        guardian=family.mother, kind="email", email="mother@example.test", provenance=Provenance.SELF, verified_at=now
    )
    ContactPoint.objects.create(guardian=family.mother, kind="phone", phone="+79161234567", provenance=Provenance.SELF)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL, EMAIL}  # the phone is not verified
    ContactPoint.objects.filter(kind="phone").update(verified_at=now)
    DeliveryPreference.objects.create(guardian=family.mother, student=family.student, sms=True)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL, EMAIL, SMS}


@pytest.mark.parametrize("decision", [Decision.REFUSAL, Decision.UNABLE, Decision.WITHDRAWAL])
def test_refusal_inability_and_withdrawal_mean_paper(family, decision):
    decide(family.mother, family.student, decision)
    assert delivery_for(family.mother, family.student) == {PAPER}
    assert not link_flag(family.mother, family.student)
    assert not own_flag(family.student)


def test_a_withdrawal_closes_at_once_even_an_open_session(client, family):
    decide(family.mother, family.student)
    assert opens_data(client, family.mother.user, family.student)
    decide(family.mother, family.student, Decision.WITHDRAWAL)
    assert delivery_for(family.mother, family.student) == {PAPER}
    response = client.get(page(family.student))  # the same session, the next request
    assert response.status_code == 200
    assert HEADING in response.content.decode()


def test_a_new_consent_after_a_withdrawal_opens_again(client, family):
    decide(family.mother, family.student)
    decide(family.mother, family.student, Decision.WITHDRAWAL)
    decide(family.mother, family.student)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL}
    assert opens_data(client, family.mother.user, family.student)


def test_a_correction_supersedes_the_decision_and_keeps_it(family):
    wrong = decide(family.mother, family.student, Decision.REFUSAL)
    correction = decide(family.mother, family.student, Decision.CONSENT, supersedes=wrong, note="ошибка ввода")
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL}
    assert list(wrong.superseded_by.all()) == [correction]
    assert ConsentRecord.objects.filter(guardian=family.mother).count() == 2  # nothing is edited away
    decide(family.mother, family.student, Decision.UNABLE, supersedes=correction)
    assert delivery_for(family.mother, family.student) == {PAPER}


def test_a_correction_replaces_only_the_same_persons_record(family):
    mothers = decide(family.mother, family.student)
    with pytest.raises(ValidationError) as error:
        decide(family.father, family.student, Decision.REFUSAL, supersedes=mothers)
    assert "supersedes" in error.value.message_dict


def test_each_legal_representative_decides_for_themselves(client, family):
    decide(family.mother, family.student)
    decide(family.father, family.student, Decision.REFUSAL)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL}
    assert delivery_for(family.father, family.student) == {PAPER}
    assert opens_data(client, family.mother.user, family.student)
    assert not opens_data(client, family.father.user, family.student)


def test_a_guardian_who_is_not_a_legal_representative_opens_only_their_own_view(family):
    decide(family.grandmother, family.student)
    assert link_flag(family.grandmother, family.student)
    assert not own_flag(family.student)


def test_a_student_of_14_opens_their_own_cabinet(client, family):
    decide(None, family.student)
    assert own_flag(family.student)
    assert not link_flag(family.mother, family.student)
    assert opens_data(client, family.student.user, family.student)


def test_a_student_of_14_refusing_closes_their_cabinet_even_with_a_parents_consent(client, family):
    decide(family.mother, family.student)
    assert opens_data(client, family.student.user, family.student)
    decide(None, family.student, Decision.REFUSAL)
    assert not own_flag(family.student)
    assert not opens_data(client, family.student.user, family.student)
    assert link_flag(family.mother, family.student)  # the mother's own decision stands
    assert opens_data(client, family.mother.user, family.student)


def test_a_student_under_14_cannot_decide(world):
    child = f.StudentFactory(school=world.school, birth_date=_years_ago(10))
    before = ConsentRecord.objects.count()
    with pytest.raises(ValidationError) as error:
        decide(None, child)
    assert "guardian" in error.value.message_dict
    assert ConsentRecord.objects.count() == before
    assert not own_flag(child)


# --- Bad input writes nothing -----------------------------------------------------------------------

TOMORROW = object()  # resolved inside the test: today may change between collection and run


BAD_INPUT = {
    "future signing date": ({"signed_on": TOMORROW}, "signed_on"),
    "paper without number": ({"form": Form.PAPER, "paper_number": " "}, "paper_number"),
    "paper without date": ({"form": Form.PAPER, "paper_date": None}, "paper_date"),
    "paper dated in the future": ({"form": Form.PAPER, "paper_date": TOMORROW}, "paper_date"),
    "electronic without signature": ({"form": Form.ELECTRONIC, "signature_reference": ""}, "signature_reference"),
    "unknown decision": ({"decision": "maybe"}, "decision"),
    "unknown form": ({"form": "fax"}, "form"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_and_changes_nothing(family, case):
    decide(family.mother, family.student)
    overrides, field = BAD_INPUT[case]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    kwargs = {
        "student": family.student,
        "guardian": family.mother,
        "decision": Decision.WITHDRAWAL,
        "form": Form.PAPER,
        "paper_number": "18",
        "paper_date": timezone.localdate(),
        "signed_on": timezone.localdate(),
    }
    kwargs.update({key: tomorrow if value is TOMORROW else value for key, value in overrides.items()})
    before = list(ConsentRecord.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as error:
        consent_record(**kwargs)
    assert field in error.value.message_dict
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == before
    assert link_flag(family.mother, family.student)
    assert own_flag(family.student)
    assert delivery_for(family.mother, family.student) == {CABINET, PORTAL}


def test_a_guardian_of_another_child_cannot_decide_for_this_one(world, family):
    before = ConsentRecord.objects.count()
    with pytest.raises(ValidationError) as error:
        decide(world.other_parent, family.student)
    assert "guardian" in error.value.message_dict
    assert ConsentRecord.objects.count() == before
    assert not Guardianship.objects.filter(guardian=world.other_parent, student=family.student).exists()
    assert not own_flag(family.student)


# --- Append-only ------------------------------------------------------------------------------------


def test_the_model_layer_refuses_to_change_or_delete_a_record(world):
    record = ConsentRecord.objects.get(guardian=world.parent)
    record.note = "changed"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).update(note="changed")
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    assert ConsentRecord.objects.filter(pk=record.pk, note="").exists()


def _postgresql_only():
    if connection.vendor != "postgresql":
        skip_or_fail("the append-only triggers are PostgreSQL's (SQLite relies on the model layer)")


def test_the_database_refuses_an_orm_update_or_delete(world):
    """Past the model layer (Django's plain base manager), the triggers still refuse."""
    _postgresql_only()
    record = ConsentRecord.objects.get(guardian=world.parent)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord._base_manager.filter(pk=record.pk).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord._base_manager.filter(pk=record.pk).delete()
    assert ConsentRecord.objects.filter(pk=record.pk, note="", decision=Decision.CONSENT).exists()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE consent_consentrecord SET note = 'x'", "UPDATE consent_consentrecord SET decision = 'refusal'",
     "DELETE FROM consent_consentrecord"],
)  # fmt: skip
def test_the_database_refuses_raw_sql(world, sql):
    _postgresql_only()
    before = list(ConsentRecord.objects.order_by("pk").values())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(ConsentRecord.objects.order_by("pk").values()) == before


# --- The flags never disagree with the registry ------------------------------------------------------


def _expected_own_cabinet(latest: dict, family: Family) -> bool:
    if None in latest:
        return latest[None] == Decision.CONSENT
    return any(latest.get(g.pk) == Decision.CONSENT for g in (family.mother, family.father))


@pytest.mark.parametrize("seed", range(6))
def test_the_flags_follow_any_sequence_of_decisions(family, seed, django_assert_max_num_queries):
    rng = random.Random(seed)
    actors = [family.mother, family.father, family.grandmother, None]
    latest: dict[int | None, str] = {}
    last_record: dict[int | None, ConsentRecord] = {}
    for _step in range(25):
        actor = rng.choice(actors)
        key = actor.pk if actor else None
        decision = rng.choice(Decision.values)
        extra = {}
        if rng.random() < 0.5:
            extra = {"form": Form.ELECTRONIC, "signature_reference": f"ЭП-{rng.randrange(10**6)}"}
        if key in last_record and rng.random() < 0.3:
            extra["supersedes"] = last_record[key]
        last_record[key] = decide(actor, family.student, decision, **extra)
        latest[key] = decision

        for guardian in (family.mother, family.father, family.grandmother):
            consents = latest.get(guardian.pk) == Decision.CONSENT
            assert link_flag(guardian, family.student) == consents, (seed, _step, guardian)
            assert (delivery_for(guardian, family.student) == {PAPER}) is not consents
        assert own_flag(family.student) == _expected_own_cabinet(latest, family), (seed, _step, latest)
        with django_assert_max_num_queries(2):
            assert not registry_disagreements()


def test_registry_disagreements_finds_a_flag_set_behind_the_registrys_back(world, family, django_assert_num_queries):
    decide(family.mother, family.student)
    with django_assert_num_queries(2):
        assert not registry_disagreements()
    Guardianship.objects.filter(guardian=family.father).update(electronic_access=True)  # no decision
    Guardianship.objects.filter(guardian=family.mother).update(electronic_access=False)  # consented
    Student.objects.filter(pk=world.other_student.pk).update(electronic_access=False)  # a parent consented
    with django_assert_num_queries(2):
        found = registry_disagreements()
    assert {(link.guardian_id, link.student_id) for link in found.guardianships} == {
        (family.father.pk, family.student.pk),
        (family.mother.pk, family.student.pk),
    }
    assert found.students == [world.other_student]
    assert not registry_disagreements(school=world.other_school)


def test_consent_check_exits_non_zero_on_a_disagreement_and_fixes_it_when_told(family):
    decide(family.mother, family.student)
    out = io.StringIO()
    call_command("consent_check", stdout=out)
    assert "agree" in out.getvalue()
    Guardianship.objects.filter(guardian=family.mother).update(electronic_access=False)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("consent_check", stdout=out)
    report = out.getvalue()
    assert str(family.student.public_id) in report
    assert family.student.surname not in report  # ids only, never names
    assert not link_flag(family.mother, family.student)  # without --fix nothing changes
    call_command("consent_check", "--fix", stdout=io.StringIO())
    assert link_flag(family.mother, family.student)
    call_command("consent_check", stdout=io.StringIO())


# --- The bulk question ---------------------------------------------------------------------------------


def _pairs(world, count: int) -> list[tuple[Guardian, Student]]:
    decisions = [None, *Decision.values]
    pairs = []
    for i in range(count):
        student = f.StudentFactory(school=world.school)
        guardian = f.GuardianFactory(school=world.school, user=f.UserFactory() if i % 3 else None)
        f.GuardianshipFactory(guardian=guardian, student=student)
        decision = decisions[i % len(decisions)]
        if decision:
            decide(guardian, student, decision)
        if i % 4 == 0:
            ContactPoint.objects.create(
                guardian=guardian,
                kind="email",
                email=f"family{i}@example.test",
                provenance=Provenance.SELF,
                verified_at=timezone.now(),
            )
        pairs.append((guardian, student))
    return pairs


def test_delivery_for_many_answers_for_a_school_in_constant_queries(world, django_assert_num_queries):
    pairs = _pairs(world, 50)
    with django_assert_num_queries(4):
        answers = delivery_for_many(pairs)
    with django_assert_num_queries(4):
        delivery_for_many(pairs[:2])
    assert len(answers) == 50
    for guardian, student in pairs:
        assert answers[(guardian.pk, student.pk)] == delivery_for(guardian, student)
    assert {PAPER} in answers.values()
    assert any(CABINET in channels for channels in answers.values())
    assert any(EMAIL in channels for channels in answers.values())
