"""Contact points (provenance, verification by email link and SMS code, removal with history), delivery
preferences, their effect on ``delivery_for``, and the parent's and the school's pages."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from consent.delivery import CABINET, EMAIL, PAPER, PORTAL, SMS, delivery_for
from consent.models import ContactEvent, ContactPoint, ContactVerification, DeliveryPreference, Provenance
from consent.services import contacts as services
from consent.services.preferences import delivery_rows, paper_preference_record, preference_set
from ediary.sms.backends import locmem

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

Action = ContactEvent.Action
TODAY = timezone.localdate
PHONE = "+79161234567"
SHOWN = str(to_python(PHONE))  # as pages show it: +7 916 123-45-67


def nothing_written():
    return (
        ContactPoint.objects.count(),
        ContactEvent.objects.count(),
        ContactVerification.objects.count(),
        len(locmem.outbox),
        len(mail.outbox),
    ) == (0, 0, 0, 0, 0)


def events_of(contact):
    return list(contact.events.order_by("pk").values_list("action", "value", "by"))


def written(world, kind="email", value="mama@example.ru", guardian=None, **extra):
    return services.contact_add_written(
        guardian=guardian or world.parent,
        kind=kind,
        value=value,
        document_number=extra.get("document_number", "12"),
        document_date=extra.get("document_date", TODAY()),
        added_by=world.staff.user,
    )


def self_added(world, capture, kind="phone", value="8 916 123-45-67", guardian=None):
    with capture(execute=True):
        return services.contact_add_self(
            guardian=guardian or world.parent, kind=kind, value=value, by=world.parent.user
        )


def sent_code():
    return re.search(r"\b(\d{6})\b", locmem.outbox[-1].text).group(1)


def sent_link():
    return re.search(r"https?://[^/\s]+(/family/contacts/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)


# --- Adding: provenance ------------------------------------------------------------------------


def test_a_written_contact_keeps_its_application_and_is_verified_by_the_signature(world):
    contact = written(world, kind="phone", value="8 916 123-45-67", document_number=" 12/3 ")
    contact.refresh_from_db()
    assert contact.provenance == Provenance.WRITTEN
    assert contact.phone == PHONE  # Russian by default, stored in E.164
    assert (contact.document_number, contact.document_date) == ("12/3", TODAY())
    assert contact.added_by == world.staff.user
    assert contact.is_verified
    assert events_of(contact) == [
        (Action.ADDED, PHONE, world.staff.user.pk),
        (Action.VERIFIED, PHONE, world.staff.user.pk),
    ]
    assert locmem.outbox == [] and mail.outbox == []  # nothing to confirm


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"document_number": "  "}, "document_number"),
        ({"document_date": None}, "document_date"),
        ({"document_date": datetime.date.today() + datetime.timedelta(days=2)}, "document_date"),
    ],
)
def test_a_written_contact_needs_the_number_and_a_past_date(world, extra, field):
    with pytest.raises(ValidationError) as error:
        written(world, **extra)
    assert field in error.value.message_dict
    assert nothing_written()


def test_a_future_application_date_gets_a_clear_message(world):
    with pytest.raises(ValidationError) as error:
        written(world, document_date=TODAY() + datetime.timedelta(days=1))
    assert error.value.message_dict["document_date"] == ["The application date cannot be in the future."]


def test_an_electronic_contact_keeps_its_signature_and_is_verified(world):
    contact = services.contact_add_electronic(
        guardian=world.parent, kind="email", value="Mama@Example.RU", signature_reference="ESIA-42"
    )
    contact.refresh_from_db()
    assert contact.provenance == Provenance.ELECTRONIC
    assert contact.email == "Mama@example.ru"  # the domain is case-insensitive
    assert contact.signature_reference == "ESIA-42"
    assert contact.is_verified and contact.added_by is None
    assert [action for action, *_ in events_of(contact)] == [Action.ADDED, Action.VERIFIED]
    with pytest.raises(ValidationError) as error:
        services.contact_add_electronic(guardian=world.parent, kind="phone", value=PHONE, signature_reference=" ")
    assert "signature_reference" in error.value.message_dict


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("phone", "12345", "Enter a valid phone number"),
        ("phone", "8 916 123", "Enter a valid phone number"),
        ("phone", "8 495 123-45-67", "landline"),
        ("email", "mama@", "Enter a valid email address"),
        ("fax", "123", "Choose email or phone"),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_is_written(
    world, django_capture_on_commit_callbacks, kind, value, message
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.contact_add_self(guardian=world.parent, kind=kind, value=value, by=world.parent.user)
    assert message in " ".join(error.value.messages)
    assert nothing_written()


def test_the_same_number_or_address_twice_is_refused_however_written(world, django_capture_on_commit_callbacks):
    written(world, kind="phone", value="8 916 123-45-67")
    written(world, kind="email", value="mama@example.ru")
    before = (ContactPoint.objects.count(), ContactEvent.objects.count())
    with pytest.raises(ValidationError, match="already among the contacts"):
        self_added(world, django_capture_on_commit_callbacks, value="+7 916 123 45 67")
    with pytest.raises(ValidationError, match="already among the contacts"):
        written(world, kind="email", value="MAMA@example.RU")
    assert (ContactPoint.objects.count(), ContactEvent.objects.count()) == before
    assert locmem.outbox == []
    # Another guardian may share the family's number; a removed number may come back.
    written(world, kind="phone", value=PHONE, guardian=world.other_parent)
    services.contact_remove(contact=ContactPoint.objects.get(guardian=world.parent, kind="phone"), by=world.staff.user)
    assert written(world, kind="phone", value=PHONE).is_verified


# --- Verifying: the emailed link -------------------------------------------------------------------


def test_the_link_leaves_after_commit_and_only_its_hash_is_stored(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        contact = services.contact_add_self(
            guardian=world.parent, kind="email", value="mama@example.ru", by=world.parent.user
        )
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mama@example.ru"]
    secret = sent_link().split("/")[-2]
    verification = ContactVerification.objects.get(contact=contact)
    assert secret not in str(ContactVerification.objects.values_list().get(pk=verification.pk))
    assert verification.expires_at > timezone.now() + datetime.timedelta(days=2, hours=23)
    assert not contact.is_verified
    assert contact.provenance == Provenance.SELF and contact.added_by == world.parent.user
    assert events_of(contact) == [(Action.ADDED, "mama@example.ru", world.parent.user.pk)]


def test_the_link_confirms_once_without_signing_in(client, world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks, kind="email", value="mama@example.ru")
    link = sent_link()
    page = client.get(link)  # another device: nobody signed in; a GET confirms nothing
    assert page.status_code == 200
    assert "m***@example.ru" in page.content.decode()
    contact.refresh_from_db()
    assert not contact.is_verified
    response = client.post(link)
    assert response.status_code == 200
    assert "the address is confirmed" in response.content.decode()
    contact.refresh_from_db()
    assert contact.is_verified
    assert events_of(contact)[-1] == (Action.VERIFIED, "mama@example.ru", world.parent.user.pk)
    again = client.post(link)
    assert "already confirmed" in again.content.decode()
    with pytest.raises(ValidationError):
        services.contact_verify_link(secret=link.split("/")[-2])


def test_a_wrong_expired_or_replaced_link_is_refused(world, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="not valid"):
        services.contact_verify_link(secret="not-a-secret")
    contact = self_added(world, django_capture_on_commit_callbacks, kind="email", value="mama@example.ru")
    first = sent_link().split("/")[-2]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        with pytest.raises(ValidationError, match="expired"):
            services.contact_verify_link(secret=first)
        with django_capture_on_commit_callbacks(execute=True):
            services.contact_verification_resend(contact=contact, by=world.parent.user)
        second = sent_link().split("/")[-2]
        assert second != first
        services.contact_verify_link(secret=second)
    contact.refresh_from_db()
    assert contact.is_verified


def test_a_new_link_replaces_the_old_one(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks, kind="email", value="mama@example.ru")
    first = sent_link().split("/")[-2]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        with django_capture_on_commit_callbacks(execute=True):
            services.contact_verification_resend(contact=contact, by=world.parent.user)
        with pytest.raises(ValidationError, match="replaced"):
            services.contact_verify_link(secret=first)
    contact.refresh_from_db()
    assert not contact.is_verified


# --- Verifying: the SMS code ----------------------------------------------------------------------


def test_the_code_leaves_by_sms_after_commit_and_confirms_the_number(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        contact = services.contact_add_self(
            guardian=world.parent, kind="phone", value="8 (916) 123-45-67", by=world.parent.user
        )
        assert locmem.outbox == []
    for callback in callbacks:
        callback()
    assert [message.to for message in locmem.outbox] == [PHONE]
    assert locmem.outbox[0].segments == 1
    code = sent_code()
    verification = ContactVerification.objects.get(contact=contact)
    assert code not in verification.secret_hash
    assert verification.expires_at <= timezone.now() + datetime.timedelta(minutes=10)
    services.contact_verify_code(contact=contact, code=f" {code[:3]} {code[3:]} ")
    contact.refresh_from_db()
    assert contact.is_verified
    assert events_of(contact) == [
        (Action.ADDED, PHONE, world.parent.user.pk),
        (Action.VERIFIED, PHONE, world.parent.user.pk),
    ]
    with pytest.raises(ValidationError, match="already confirmed"):  # a used code does not work twice
        services.contact_verify_code(contact=contact, code=code)


def test_wrong_codes_count_and_five_end_the_code(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"Attempts left: {left}"):
            services.contact_verify_code(contact=contact, code=wrong)
    with pytest.raises(ValidationError, match="last attempt"):
        services.contact_verify_code(contact=contact, code=wrong)
    assert ContactVerification.objects.get(contact=contact).attempts == 5  # written although refused
    with pytest.raises(ValidationError, match="Ask for a new code"):
        services.contact_verify_code(contact=contact, code=code)  # even the right one
    contact.refresh_from_db()
    assert not contact.is_verified
    assert [action for action, *_ in events_of(contact)] == [Action.ADDED]


def test_an_expired_code_is_refused(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    code = sent_code()
    later = timezone.now() + datetime.timedelta(minutes=10, seconds=1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        services.contact_verify_code(contact=contact, code=code)
    contact.refresh_from_db()
    assert not contact.is_verified


def test_a_new_code_waits_a_minute_and_replaces_the_old_one(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    old = sent_code()
    with pytest.raises(ValidationError, match="Wait 60 seconds"):
        services.contact_verification_resend(contact=contact, by=world.parent.user)
    assert len(locmem.outbox) == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        with django_capture_on_commit_callbacks(execute=True):
            services.contact_verification_resend(contact=contact, by=world.parent.user)
        new = sent_code()
        assert len(locmem.outbox) == 2
        if old != new:
            with pytest.raises(ValidationError, match="Wrong code"):
                services.contact_verify_code(contact=contact, code=old)
        services.contact_verify_code(contact=contact, code=new)
    contact.refresh_from_db()
    assert contact.is_verified


def test_a_guardian_gets_a_limited_number_of_messages_a_day(world, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "VERIFICATIONS_PER_DAY", 2)
    self_added(world, django_capture_on_commit_callbacks, value="+7 916 000-00-01")
    removed = self_added(world, django_capture_on_commit_callbacks, value="+7 916 000-00-02")
    services.contact_remove(contact=removed, by=world.parent.user)
    before = ContactPoint.objects.count()
    with pytest.raises(ValidationError, match="Too many confirmation messages"):
        self_added(world, django_capture_on_commit_callbacks, value="+7 916 000-00-02")  # re-adding does not help
    assert ContactPoint.objects.count() == before
    assert len(locmem.outbox) == 2


# --- Removing --------------------------------------------------------------------------------------


def test_removing_keeps_the_row_and_its_history_and_kills_the_pending_code(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    code = sent_code()
    services.contact_remove(contact=contact, by=world.parent.user)
    contact.refresh_from_db()
    assert contact.removed_at is not None and contact.removed_by == world.parent.user
    assert events_of(contact)[-1] == (Action.REMOVED, PHONE, world.parent.user.pk)
    with pytest.raises(ValidationError, match="removed"):
        services.contact_verify_code(contact=contact, code=code)
    with pytest.raises(ValidationError, match="already been removed"):
        services.contact_remove(contact=contact, by=world.parent.user)
    assert ContactPoint.objects.filter(pk=contact.pk).exists()


# --- Preferences and their effect on delivery_for -----------------------------------------------------


def prefer(world, **choice):
    values = {"cabinet": True, "email": True, "sms": False, "rhythm": "daily", **choice}
    return preference_set(guardian=world.parent, student=world.student, by=world.parent.user, **values)


def test_a_verified_email_and_the_choice_open_email(world, django_capture_on_commit_callbacks):
    assert delivery_for(world.parent, world.student) == {CABINET, PORTAL}
    contact = self_added(world, django_capture_on_commit_callbacks, kind="email", value="mama@example.ru")
    assert EMAIL not in delivery_for(world.parent, world.student)  # not confirmed yet
    services.contact_verify_link(secret=sent_link().split("/")[-2])
    assert EMAIL in delivery_for(world.parent, world.student)
    prefer(world, email=False)
    assert EMAIL not in delivery_for(world.parent, world.student)
    prefer(world, email=True)
    services.contact_remove(contact=contact, by=world.parent.user)
    assert EMAIL not in delivery_for(world.parent, world.student)


def test_a_verified_phone_and_the_choice_open_sms(world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    prefer(world, sms=True)
    assert SMS not in delivery_for(world.parent, world.student)
    services.contact_verify_code(contact=contact, code=sent_code())
    assert SMS in delivery_for(world.parent, world.student)
    prefer(world, sms=False)
    assert SMS not in delivery_for(world.parent, world.student)
    prefer(world, sms=True)
    services.contact_remove(contact=contact, by=world.staff.user)
    assert SMS not in delivery_for(world.parent, world.student)


def test_a_written_phone_opens_sms_at_once(world):
    written(world, kind="phone", value=PHONE)
    prefer(world, sms=True, rhythm="immediate")
    assert delivery_for(world.parent, world.student) == {CABINET, SMS, PORTAL}  # no email address on file


def test_paper_from_a_written_application_is_added_to_the_channels(world):
    written(world)
    preference = paper_preference_record(
        guardian=world.parent,
        student=world.student,
        paper=True,
        application_number="31",
        application_date=TODAY(),
        by=world.staff.user,
    )
    assert (preference.paper_application_number, preference.updated_by) == ("31", world.staff.user)
    assert delivery_for(world.parent, world.student) == {CABINET, EMAIL, PORTAL, PAPER}
    prefer(world, sms=True)  # the parent's choice keeps the paper the school recorded
    assert PAPER in delivery_for(world.parent, world.student)
    paper_preference_record(
        guardian=world.parent,
        student=world.student,
        paper=False,
        application_number="",
        application_date=None,
        by=world.staff.user,
    )
    assert PAPER not in delivery_for(world.parent, world.student)


@pytest.mark.parametrize(
    ("number", "date", "field"),
    [
        ("", datetime.date.today(), "application_number"),
        ("31", None, "application_date"),
        ("31", datetime.date.today() + datetime.timedelta(days=3), "application_date"),
    ],
)
def test_paper_needs_its_application(world, number, date, field):
    with pytest.raises(ValidationError) as error:
        paper_preference_record(
            guardian=world.parent,
            student=world.student,
            paper=True,
            application_number=number,
            application_date=date,
            by=world.staff.user,
        )
    assert field in error.value.message_dict
    assert not DeliveryPreference.objects.exists()


def test_preferences_refuse_a_bad_rhythm_and_another_family_s_child(world):
    with pytest.raises(ValidationError):
        prefer(world, rhythm="hourly")
    with pytest.raises(ValidationError, match="not a guardian"):
        preference_set(
            guardian=world.parent,
            student=world.other_student,
            cabinet=True,
            email=True,
            sms=True,
            rhythm="daily",
            by=world.parent.user,
        )
    assert not DeliveryPreference.objects.exists()


@pytest.mark.parametrize("decision", ["refusal", "withdrawal", "unable"])
def test_without_consent_only_paper_whatever_the_contacts(world, decision):
    written(world, kind="email", value="mama@example.ru")
    written(world, kind="phone", value=PHONE)
    prefer(world, sms=True)
    assert delivery_for(world.parent, world.student) == {CABINET, EMAIL, SMS, PORTAL}
    f.record_decision(world.parent, world.student, decision)
    assert delivery_for(world.parent, world.student) == {PAPER}
    row = delivery_rows([(world.parent, world.student)])[0]
    assert row["channels"] == [(PAPER, "paper")]
    assert "you are informed on paper" in row["reasons"][0]


def test_the_reasons_say_what_is_missing(world):
    prefer(world, sms=True)
    reasons = delivery_rows([(world.parent, world.student)])[0]["reasons"]
    assert reasons == ["Email needs a confirmed email address.", "SMS needs a confirmed mobile phone number."]
    student = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=world.parent, student=student)
    reasons = delivery_rows([(world.parent, student)])[0]["reasons"]
    assert "No decision about electronic delivery" in reasons[0]


# --- The parent's pages -----------------------------------------------------------------------------

CONTACTS = reverse("consent:family-contacts")
PREFERENCES = reverse("consent:family-preferences")


def verify_url(contact):
    return reverse("consent:contact-verify-code", kwargs={"pk": contact.pk})


def remove_url(contact):
    return reverse("consent:family-contact-remove", kwargs={"pk": contact.pk})


def test_the_parent_adds_an_email_and_gets_the_link(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.parent.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACTS, {"add": "email", "email-email": "mama@example.ru"})
    assert response.status_code == 302 and response["Location"] == CONTACTS
    assert ContactPoint.objects.get(guardian=world.parent).provenance == Provenance.SELF
    assert mail.outbox[0].to == ["mama@example.ru"]
    page = client.get(CONTACTS).content.decode()
    assert "mama@example.ru" in page and "not confirmed" in page


def test_the_parent_adds_a_phone_and_types_the_code(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.parent.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACTS, {"add": "phone", "phone-phone": "8 916 123-45-67"})
    contact = ContactPoint.objects.get(guardian=world.parent)
    assert response["Location"] == verify_url(contact)
    assert client.get(verify_url(contact)).status_code == 200
    wrong = client.post(verify_url(contact), {"action": "verify", "code": "99999"})
    assert wrong.status_code == 200 and "Wrong code" in wrong.content.decode()
    response = client.post(verify_url(contact), {"action": "verify", "code": sent_code()})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_verified
    resend = client.post(verify_url(contact), {"action": "resend"})  # nothing to confirm any more
    assert resend.status_code == 302 and resend["Location"] == CONTACTS


def test_the_resend_button_respects_the_cooldown(client, world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    client.force_login(world.parent.user)
    response = client.post(verify_url(contact), {"action": "resend"}, follow=True)
    assert "Wait" in response.content.decode()
    assert len(locmem.outbox) == 1


def test_an_invalid_phone_in_the_cabinet_gets_a_message_and_changes_nothing(client, world):
    client.force_login(world.parent.user)
    response = client.post(CONTACTS, {"add": "phone", "phone-phone": "8 916 12"})
    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert nothing_written()


def test_the_parent_removes_their_own_contact_even_a_written_one(client, world):
    contact = written(world, kind="phone", value=PHONE)
    client.force_login(world.parent.user)
    assert client.get(remove_url(contact)).status_code == 200
    assert client.post(remove_url(contact)).status_code == 302
    contact.refresh_from_db()
    assert contact.removed_by == world.parent.user
    assert contact not in client.get(CONTACTS).context["contacts"]
    assert client.get(remove_url(contact)).status_code == 404


def test_another_parent_cannot_touch_the_contact(client, world, django_capture_on_commit_callbacks):
    contact = self_added(world, django_capture_on_commit_callbacks)
    client.force_login(world.parent.user)
    assert SHOWN in client.get(CONTACTS).content.decode()
    client.force_login(world.other_parent.user)
    assert SHOWN not in client.get(CONTACTS).content.decode()
    assert client.get(verify_url(contact)).status_code == 404
    assert client.post(verify_url(contact), {"action": "verify", "code": sent_code()}).status_code == 404
    assert client.post(verify_url(contact), {"action": "resend"}).status_code == 404
    assert client.post(remove_url(contact)).status_code == 404
    contact.refresh_from_db()
    assert contact.removed_at is None and contact.verified_at is None
    assert len(locmem.outbox) == 1


def test_the_preferences_page_saves_a_child_with_and_without_htmx(client, world):
    written(world, kind="phone", value=PHONE)
    client.force_login(world.parent.user)
    page = client.get(PREFERENCES)
    assert page.status_code == 200
    prefix = f"p-{world.student.public_id}"
    assert "Email needs a confirmed email address." in page.content.decode()
    data = {"student": str(world.student.public_id), f"{prefix}-cabinet": "on", f"{prefix}-sms": "on"}
    response = client.post(PREFERENCES, {**data, f"{prefix}-rhythm": "weekly"})
    assert response.status_code == 302
    preference = DeliveryPreference.objects.get(guardian=world.parent, student=world.student)
    assert (preference.cabinet, preference.email, preference.sms, preference.rhythm) == (True, False, True, "weekly")
    assert preference.updated_by == world.parent.user
    partial = client.post(PREFERENCES, {**data, f"{prefix}-rhythm": "immediate"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert "Saved." in body and "SMS" in body
    invalid = client.post(PREFERENCES, {**data, f"{prefix}-rhythm": "hourly"})
    assert invalid.status_code == 200 and "Select a valid choice" in invalid.content.decode()
    preference.refresh_from_db()
    assert preference.rhythm == "immediate"


def test_the_preferences_of_another_family_s_child_are_a_404(client, world):
    client.force_login(world.parent.user)
    prefix = f"p-{world.other_student.public_id}"
    data = {"student": str(world.other_student.public_id), f"{prefix}-rhythm": "daily"}
    assert client.post(PREFERENCES, data).status_code == 404
    assert client.post(PREFERENCES, {"student": "not-a-uuid"}).status_code == 404
    assert not DeliveryPreference.objects.exists()


def test_the_guardian_navigation_links_to_the_pages(client, world):
    client.force_login(world.parent.user)
    page = client.get(reverse("gradebook:children")).content.decode()
    assert CONTACTS in page and PREFERENCES in page


# --- The school's pages ------------------------------------------------------------------------------


def staff_url(name, world, **kwargs):
    return reverse(f"consent:{name}", kwargs={"public_id": world.parent.public_id, **kwargs})


def test_staff_enter_a_written_contact_and_see_the_history(client, world):
    client.force_login(world.staff.user)
    assert client.get(staff_url("contact-create", world)).status_code == 200
    future = (TODAY() + datetime.timedelta(days=1)).isoformat()
    data = {"kind": "phone", "value": "8 916 123-45-67", "document_number": "12"}
    refused = client.post(staff_url("contact-create", world), {**data, "document_date": future})
    assert refused.status_code == 200
    assert "cannot be in the future" in refused.content.decode()
    invalid = client.post(staff_url("contact-create", world), {**data, "value": "123", "document_date": future})
    assert "Enter a valid phone number" in invalid.content.decode()
    assert nothing_written()
    response = client.post(staff_url("contact-create", world), {**data, "document_date": TODAY().isoformat()})
    assert response.status_code == 302 and response["Location"] == staff_url("contact-list", world)
    contact = ContactPoint.objects.get(guardian=world.parent)
    assert (contact.provenance, contact.added_by, contact.is_verified) == ("written", world.staff.user, True)
    page = client.get(staff_url("contact-list", world)).content.decode()
    assert SHOWN in page and PHONE in page and "staff" in page  # the contact, and its history


def test_staff_remove_a_contact_and_its_history_stays(client, world):
    contact = written(world, kind="phone", value=PHONE)
    client.force_login(world.admin.user)
    url = staff_url("contact-remove", world, pk=contact.pk)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    contact.refresh_from_db()
    assert contact.removed_by == world.admin.user
    assert [action for action, *_ in events_of(contact)] == [Action.ADDED, Action.VERIFIED, Action.REMOVED]
    assert client.get(url).status_code == 404
    assert "removed on" in client.get(staff_url("contact-list", world)).content.decode()


def test_staff_record_paper_delivery(client, world):
    client.force_login(world.staff.user)
    url = staff_url("paper-preference", world, student_public_id=world.student.public_id)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"paper": "on", "application_number": "", "application_date": TODAY().isoformat()})
    assert refused.status_code == 200 and "needs its number" in refused.content.decode()
    assert not DeliveryPreference.objects.exists()
    response = client.post(url, {"paper": "on", "application_number": "7", "application_date": TODAY().isoformat()})
    assert response.status_code == 302
    assert PAPER in delivery_for(world.parent, world.student)


def test_the_school_pages_are_closed_to_others(client, world):
    contact = written(world, kind="phone", value=PHONE)
    urls = [
        staff_url("contact-list", world),
        staff_url("contact-create", world),
        staff_url("contact-remove", world, pk=contact.pk),
        staff_url("paper-preference", world, student_public_id=world.student.public_id),
    ]
    for role, status in (("teacher", 403), ("parent", 403), ("other_school_admin", 404), ("admin", 200)):
        client.force_login(getattr(world, role).user)
        for url in urls:
            assert client.get(url).status_code == status, (role, url)
    client.force_login(world.other_school_admin.user)
    assert client.post(staff_url("contact-remove", world, pk=contact.pk)).status_code == 404
    # a student who is not the guardian's child
    client.force_login(world.staff.user)
    other = staff_url("paper-preference", world, student_public_id=world.other_student.public_id)
    assert client.get(other).status_code == 404
    contact.refresh_from_db()
    assert contact.removed_at is None


# --- Query budgets -------------------------------------------------------------------------------------


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow_family(world, children=5, phones=6):
    for number in range(children):
        child = f.StudentFactory(school=world.school)
        f.GuardianshipFactory(guardian=world.parent, student=child)
        f.record_decision(world.parent, child, "consent" if number % 2 else "refusal")
    for number in range(phones):
        contact = written(world, kind="phone", value=f"+7 916 000-00-{number:02d}")
        if number % 2:
            services.contact_remove(contact=contact, by=world.staff.user)
    written(world, kind="email", value="mama@example.ru")


@pytest.mark.parametrize(
    ("role", "url_of", "budget"),
    [
        ("parent", lambda w: CONTACTS, 8),
        ("parent", lambda w: PREFERENCES, 14),
        ("staff", lambda w: staff_url("contact-list", w), 18),
        ("staff", lambda w: staff_url("paper-preference", w, student_public_id=w.student.public_id), 17),
    ],
    ids=["contacts", "preferences", "staff-contact-list", "staff-paper"],
)
def test_query_budgets_do_not_grow_with_the_family(client, world, django_assert_max_num_queries, role, url_of, budget):
    client.force_login(getattr(world, role).user)
    url = url_of(world)
    small = queries(client, url)
    grow_family(world)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
    assert queries(client, url) == small


def test_a_parent_known_in_two_schools_chooses_the_school(client, world):
    other_profile = f.GuardianFactory(school=world.other_school, user=world.parent.user)
    f.GuardianshipFactory(guardian=other_profile, student=world.other_school_student)
    client.force_login(world.parent.user)
    page = client.get(CONTACTS)
    assert "email-guardian" in page.content.decode()
    data = {"add": "phone", "phone-phone": PHONE, "phone-guardian": str(other_profile.pk)}
    assert client.post(CONTACTS, data).status_code == 302
    assert ContactPoint.objects.get().guardian == other_profile
    # A profile that is not the user's is not a choice.
    data = {"add": "phone", "phone-phone": "+7 916 000-00-01", "phone-guardian": str(world.other_parent.pk)}
    assert client.post(CONTACTS, data).status_code == 200
    assert ContactPoint.objects.count() == 1
    # Both children's notifications are on one page.
    rows = client.get(PREFERENCES).context["rows"]
    assert {(row["guardian"], row["student"]) for row in rows} == {
        (world.parent, world.student),
        (other_profile, world.other_school_student),
    }
