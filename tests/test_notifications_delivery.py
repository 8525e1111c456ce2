"""Delivering the outbox: ``notifications.deliver_message`` claims a message, asks again whether it may
leave, sends it by email or SMS and records the outcome (sent; retried with backoff; failed for good with
the address flagged bouncing); ``notifications.sweep`` hands over what is due; the beat runs it."""

import datetime
import re
import smtplib
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.models import ContactPoint
from consent.services import contacts as contact_services
from ediary.celery import app
from ediary.sms.backends import locmem
from ediary.sms.backends.base import PermanentSmsError, SmsError
from gradebook.services import finals as final_services
from notifications.models import Message, Notification
from notifications.tasks import deliver_message, sweep_outbox

from . import factories as f
from .notification_families import MONDAY_MORNING, reach

EMAIL = "mama@example.ru"
PHONE = "+79161234567"
LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"
SMS_SEND = "ediary.sms.backends.locmem.SmsBackend.send"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def family(world):
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True)
    return world.parent


def publish_final(world, value="5"):
    """An urgent event: an email and an SMS to the parent, written and left waiting (no commit here).
    Returns the latest email and SMS."""
    final_services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="year",
        value=value,
        school_year=world.year,
        class_unit=world.class_5a,
        publish=True,
    )
    return tuple(Message.objects.filter(channel=channel).order_by("pk").last() for channel in ("email", "sms"))


def reloaded(message):
    message.refresh_from_db()
    return message


# --- Success and idempotence ----------------------------------------------------------------------------


def test_a_message_is_sent_once_however_often_it_is_queued(world, family):
    email, sms = publish_final(world)

    assert deliver_message(email.pk) == "sent"
    assert deliver_message(email.pk) == "not due"
    assert deliver_message(sms.pk) == "sent"
    assert len(mail.outbox) == 1 and len(locmem.outbox) == 1
    email = reloaded(email)
    assert (email.status, email.attempts, email.sent_at, email.last_error) == ("sent", 1, timezone.now(), "")
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_the_sweep_hands_over_what_is_due_and_nothing_else(world, family, clock):
    email, sms = publish_final(world)
    waiting = Message.objects.create(
        school=world.school,
        guardian=world.parent,
        student=world.student,
        channel="email",
        to=EMAIL,
        subject="Позже",
        text="…",
        dedupe_key="later",
        not_before=timezone.now() + datetime.timedelta(minutes=10),
    )
    assert sweep_outbox() == 2
    assert reloaded(email).status == reloaded(sms).status == "sent"
    assert reloaded(waiting).status == "pending"
    assert sweep_outbox() == 0


def test_a_worker_that_died_holding_a_message_leaves_it_to_the_sweep_after_the_lease(world, family, clock):
    email, _sms = publish_final(world)
    with mock.patch(LOCMEM_SEND, side_effect=SystemExit), pytest.raises(SystemExit):  # the worker dies mid-send
        deliver_message(email.pk)
    assert reloaded(email).status == "sending"
    assert deliver_message(email.pk) == "not due"  # still leased
    clock.shift(datetime.timedelta(minutes=6))
    sweep_outbox()
    assert reloaded(email).status == "sent" and len(mail.outbox) == 1


# --- Failures ----------------------------------------------------------------------------------------------------


def test_a_passing_failure_is_retried_with_backoff(world, family):
    email, _sms = publish_final(world)
    with mock.patch(LOCMEM_SEND, side_effect=ConnectionRefusedError("no SMTP server")):
        assert deliver_message(email.pk) == "pending"
    email = reloaded(email)
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.not_before == timezone.now() + datetime.timedelta(minutes=1)
    assert "ConnectionRefusedError" in email.last_error
    assert ContactPoint.objects.get(kind="email").bouncing_at is None


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({EMAIL: (550, b"5.1.1 <mama@example.ru>: user unknown")}),
        smtplib.SMTPDataError(554, b"5.7.1 message rejected"),
    ],
)
def test_a_refused_address_fails_for_good_and_is_flagged_bouncing(world, family, error):
    email, _sms = publish_final(world)
    with mock.patch(LOCMEM_SEND, side_effect=error):
        assert deliver_message(email.pk) == "failed"
    email = reloaded(email)
    assert email.status == "failed" and email.last_error
    contact = ContactPoint.objects.get(kind="email")
    assert contact.bouncing_at == timezone.now()
    assert not ContactPoint.objects.deliverable().filter(pk=contact.pk).exists()
    assert deliver_message(email.pk) == "not due"  # never retried


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({EMAIL: (450, b"4.2.1 mailbox busy")}),
        smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
        smtplib.SMTPSenderRefused(550, b"sender refused", "noreply@ediary.local"),
        smtplib.SMTPServerDisconnected("gone"),
    ],
)
def test_a_busy_mailbox_or_the_schools_own_mail_settings_are_retried_not_blamed_on_the_family(world, family, error):
    email, _sms = publish_final(world)
    with mock.patch(LOCMEM_SEND, side_effect=error):
        assert deliver_message(email.pk) == "pending"
    assert reloaded(email).attempts == 1
    assert ContactPoint.objects.get(kind="email").bouncing_at is None


def test_after_the_last_attempt_a_passing_failure_is_recorded_as_failed(world, family, clock):
    email, _sms = publish_final(world)
    with mock.patch(LOCMEM_SEND, side_effect=TimeoutError("slow")):
        for _attempt in range(6):
            deliver_message(email.pk)
            clock.shift(datetime.timedelta(hours=5))
    email = reloaded(email)
    assert (email.status, email.attempts) == ("failed", 6)


def test_a_bouncing_address_gets_no_more_mail_until_verified_again(world, family, clock, capture):
    email, _sms = publish_final(world)
    refused = smtplib.SMTPRecipientsRefused({EMAIL: (550, b"user unknown")})
    with mock.patch(LOCMEM_SEND, side_effect=refused):
        deliver_message(email.pk)
    clock.shift(datetime.timedelta(minutes=10))
    publish_final(world, value="4")  # a change published again: no email, the SMS still goes
    assert Message.objects.filter(channel="email").count() == 1
    assert Message.objects.filter(channel="sms").count() == 2

    contact = ContactPoint.objects.get(kind="email")
    with capture(execute=True):
        contact_services.contact_verification_resend(contact=contact, by=world.parent.user)
    secret = re.search(r"/family/contacts/verify/([^/\s]+)/", mail.outbox[-1].body).group(1)
    contact_services.contact_verify_link(secret=secret)
    contact.refresh_from_db()
    assert contact.bouncing_at is None and contact.verified_at == timezone.now()
    assert ContactPoint.objects.deliverable().filter(pk=contact.pk).exists()


def test_a_verified_address_that_does_not_bounce_is_not_verified_again(world, family):
    with pytest.raises(ValidationError) as refused:
        contact_services.contact_verification_resend(
            contact=ContactPoint.objects.get(kind="email"), by=world.parent.user
        )
    assert refused.value.code == "verified"


def test_flagging_by_contact_or_by_address_and_only_once(world, family):
    other = f.GuardianFactory(school=world.school)
    contact_services.contact_add_written(
        guardian=other,
        kind="email",
        value=EMAIL.upper(),
        document_number="3",
        document_date=timezone.localdate(),
        added_by=None,
    )
    assert contact_services.contact_flag_bouncing(email=EMAIL, error="550 <mama@example.ru> unknown") == 2
    assert contact_services.contact_flag_bouncing(email=EMAIL, error="again") == 0
    phone = ContactPoint.objects.get(kind="phone")
    assert contact_services.contact_flag_bouncing(contact_id=phone.pk, error="x") == 1
    with pytest.raises(ValueError):
        contact_services.contact_flag_bouncing(error="nobody")


def test_an_sms_refused_for_good_fails_without_flagging_the_number(world, family):
    _email, sms = publish_final(world)
    with mock.patch(SMS_SEND, side_effect=PermanentSmsError("SMS gateway answered 400: bad number")):
        assert deliver_message(sms.pk) == "failed"
    assert "400" in reloaded(sms).last_error
    assert ContactPoint.objects.get(kind="phone").bouncing_at is None


def test_an_sms_gateway_down_is_retried(world, family):
    _email, sms = publish_final(world)
    with mock.patch(SMS_SEND, side_effect=SmsError("SMS gateway answered 503")):
        assert deliver_message(sms.pk) == "pending"
    assert reloaded(sms).attempts == 1


def test_the_gateways_rate_limit_hands_the_sms_back_without_counting_an_attempt(world, family, settings):
    settings.SMS_RATE_LIMIT = "1/m"
    _email, sms = publish_final(world)
    other = Message.objects.create(
        school=world.school,
        guardian=world.parent,
        student=world.student,
        channel="sms",
        to=PHONE,
        text="Второе",
        dedupe_key="second-sms",
    )
    assert deliver_message(sms.pk) == "sent"
    with mock.patch("ediary.sms.ratelimit.time.sleep") as sleep:
        assert deliver_message(other.pk) == "pending"
    assert not sleep.called  # the next window is a minute away: no waiting in the worker
    other = reloaded(other)
    assert (other.status, other.attempts) == ("pending", 0)
    assert other.not_before == timezone.now() + datetime.timedelta(seconds=5)
    assert len(locmem.outbox) == 1


# --- Asking again at send time ------------------------------------------------------------------------------


def test_a_consent_withdrawn_before_sending_cancels_the_message(world, family):
    email, sms = publish_final(world)
    f.record_decision(world.parent, world.student, decision="withdrawal")

    assert deliver_message(email.pk) == deliver_message(sms.pk) == "cancelled"
    assert mail.outbox == [] and locmem.outbox == []
    assert "consent" in reloaded(email).last_error


def test_email_switched_off_before_sending_cancels_only_the_email(world, family):
    from consent.services.preferences import preference_set_email

    email, sms = publish_final(world)
    preference_set_email(guardian=world.parent, student=world.student, enabled=False)
    assert deliver_message(email.pk) == "cancelled"
    assert deliver_message(sms.pk) == "sent"


def test_a_contact_removed_or_bouncing_before_sending_cancels_its_message(world, family):
    email, sms = publish_final(world)
    contact_services.contact_flag_bouncing(email=EMAIL, error="550 from another school's mail")
    assert deliver_message(email.pk) == "cancelled"
    assert reloaded(email).last_error == "the address is no longer a deliverable contact of the guardian"

    contact_services.contact_remove(contact=ContactPoint.objects.get(kind="phone"), by=world.staff.user)
    assert deliver_message(sms.pk) == "cancelled"
    assert mail.outbox == [] and locmem.outbox == []


def test_an_alert_cancelled_before_sending_cancels_its_messages(world, family):
    email, sms = publish_final(world)
    Notification.objects.update(cancelled_at=timezone.now())

    assert deliver_message(email.pk) == deliver_message(sms.pk) == "cancelled"
    assert reloaded(sms).last_error == "the alert was cancelled"
    assert mail.outbox == [] and locmem.outbox == []


def test_a_digest_message_is_checked_against_every_child(world, family):
    digest_message = Message.objects.create(
        school=world.school, guardian=world.parent, channel="email", to=EMAIL, text="…", dedupe_key="digest-1"
    )
    assert deliver_message(digest_message.pk) == "sent"
    f.record_decision(world.parent, world.student, decision="withdrawal")
    again = Message.objects.create(
        school=world.school, guardian=world.parent, channel="email", to=EMAIL, text="…", dedupe_key="digest-2"
    )
    assert deliver_message(again.pk) == "cancelled"


# --- The beat and the tasks' limits --------------------------------------------------------------------------


def test_the_beat_sweeps_every_minute_and_every_task_has_time_limits():
    entry = django_settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]
    assert entry["task"] == "notifications.sweep"
    assert entry["schedule"] == crontab()
    for name in ("notifications.deliver_message", "notifications.sweep"):
        task = app.tasks[name]
        assert 0 < task.soft_time_limit < task.time_limit


def test_the_parent_is_asked_to_confirm_a_bouncing_address_again(client, world, family):
    contact = ContactPoint.objects.get(kind="email")
    verify = reverse("consent:contact-verify-code", kwargs={"pk": contact.pk})
    client.force_login(world.parent.user)
    assert verify not in client.get(reverse("consent:family-contacts")).content.decode()

    contact_services.contact_flag_bouncing(contact_id=contact.pk, error="550")
    assert verify in client.get(reverse("consent:family-contacts")).content.decode()
    assert client.get(verify).status_code == 200
