"""Delivery end to end, as the issue's acceptance asks: a real Celery worker on Redis (a thread of this
process, or a process of its own on the test database that the test kills), a real SMTP server and a local
HTTP SMS gateway. Every assertion is on what the server and the gateway received.

The worker thread shares this process's clock: the tests that travel in time (``clock``, ticking) move the
worker with them. The worker process keeps the real clock."""

import datetime
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ediary.celery import health
from ediary.outbox import OutboxStatus
from gradebook import signals
from gradebook.models import Mark
from gradebook.services import attendance as attendance_services
from gradebook.services import finals as final_services
from gradebook.services import lesson_changes
from gradebook.services import marks as mark_services
from gradebook.tasks import publish_overdue_finals
from notifications.digest_tasks import send_daily_digests
from notifications.models import Digest, Kind, Message, Notification
from notifications.tasks import sweep_outbox

from . import factories as f
from .notification_families import MONDAY_MORNING, MOSCOW, class_of_families, reach
from .notifications_harness import (
    SMS_HTTP_TOKEN,
    TIMEOUT,
    WORKER_REDIS_URL,
    SmsGateway,
    SmtpServer,
    deliver_through,
    free_port,
    redis_for_workers,
    sms_gateway,
    smtp_server,
    wait_for,
    worker_process,
    worker_thread,
)
from .test_celery import app_on_redis

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EMAIL = "mama@example.ru"
PHONE = "+79161234567"
TODAY = MONDAY_MORNING.date()
TOMORROW = TODAY + datetime.timedelta(days=1)


def at(hour: int, minute: int = 0, second: int = 0, *, day: datetime.date = TODAY) -> datetime.datetime:
    """A moment of the school's day (Moscow)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=MOSCOW)


@dataclass
class Delivery:
    smtp: SmtpServer
    gateway: SmsGateway

    def mails_to(self, address: str) -> list:
        return self.smtp.to(address)

    def sms_to(self, number: str) -> list:
        return self.gateway.to(number)


@pytest.fixture
def clock():
    """Monday 2 November 2026, 08:00 in Moscow (the SMS quiet hours just over), ticking. Listed before
    ``world`` so that the world is built then; the tests move it forward."""
    with time_machine.travel(at(8, 0), tick=True) as traveller:
        yield traveller


@pytest.fixture
def delivery(settings):
    """The test's SMTP server and SMS gateway, this process pointed at them, Redis database 13 emptied."""
    with redis_for_workers(), smtp_server() as smtp, sms_gateway() as gateway:
        deliver_through(settings, smtp, gateway)
        yield Delivery(smtp, gateway)


@pytest.fixture
def worker(delivery):
    """The ediary Celery app on Redis (not eager) with a real worker in a thread."""
    with app_on_redis(WORKER_REDIS_URL) as app, worker_thread(app):
        yield app


@pytest.fixture
def period(world):
    """The current quarter, far from its middle: one mark is no forecast at risk yet."""
    return f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=TODAY - datetime.timedelta(days=10),
        ends_on=TODAY + datetime.timedelta(days=50),
    )


@pytest.fixture
def work_type(world):
    return f.WorkTypeFactory(school=world.school, name="Ответ на уроке", weight=Decimal("1"))


@pytest.fixture
def lessons(world, period, work_type):
    """5А's first four lessons of Monday, maths with its teacher."""
    return [
        f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=TODAY, number=n)
        for n in (1, 2, 3, 4)
    ]


@pytest.fixture
def family(world):
    """The parent of 5А's student: consent, a verified email and phone, alerts as they happen, SMS on."""
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True, rhythm="immediate")
    return world.parent


def quiesce(rounds: int = 3) -> None:
    """Wait until the worker has run every task queued so far, and the tasks those queued (``rounds`` deep):
    one solo worker takes Redis's queue in order, so a ping answered means all before it ran."""
    for _ in range(rounds):
        assert health.delay().get(timeout=TIMEOUT) == "ok"


def sweep() -> None:
    """What beat runs every minute, on the worker, and everything it hands over."""
    sweep_outbox.delay()
    quiesce()


def record_mark(world, lesson, work_type, value=5):
    return mark_services.mark_record(
        lesson=lesson, student=world.student, value=value, work_type=work_type, by=world.teacher.user
    )


def attendance(world, lesson, code):
    return attendance_services.attendance_set(lesson=lesson, student=world.student, code=code, by=world.teacher.user)


# --- One event: exactly one message per allowed channel ----------------------------------------------------


def test_one_event_is_one_email_one_sms_and_one_cabinet_alert(
    clock, world, lessons, work_type, family, worker, delivery
):
    mark = record_mark(world, lessons[0], work_type)

    (mail,) = wait_for("the email", lambda: delivery.mails_to(EMAIL))
    (sms,) = wait_for("the SMS", lambda: delivery.sms_to(PHONE))
    # The same event announced again, and the sweep twice: nothing more.
    with transaction.atomic():
        signals.mark_recorded.send(sender=Mark, mark=mark, previous="", by=world.teacher.user)
    sweep()
    sweep()
    assert len(delivery.mails_to(EMAIL)) == 1 and len(delivery.sms_to(PHONE)) == 1
    assert len(delivery.smtp.mails) == 1 and len(delivery.gateway.sms) == 1

    (alert,) = Notification.objects.filter(guardian=family)
    assert (alert.kind, alert.student) == (Kind.MARK, world.student)
    assert sorted(Message.objects.values_list("channel", "status")) == [
        ("email", OutboxStatus.SENT),
        ("sms", OutboxStatus.SENT),
    ]
    # The email: from the school, plain text and HTML in Russian, with the one-click unsubscribe.
    assert "Тестовая школа" in mail.headers["from"]
    assert "Анна" in mail.subject and "5" in mail.subject
    assert "Математика" in mail.text and "Математика" in mail.html
    assert "list-unsubscribe" in mail.headers
    # The SMS: through the gateway with its token, short, the child's first name only.
    assert sms.headers["authorization"] == f"Bearer {SMS_HTTP_TOKEN}"
    assert "Анна" in sms.text and world.student.surname not in sms.text


def test_a_family_without_consent_gets_nothing_electronic(clock, world, lessons, family, worker, delivery):
    """A lesson of today changed: every family of 5А is concerned. The parent hears of it; the father who
    refused consent and the family that decided nothing yet get nothing, though they left contacts."""
    refusing = f.GuardianFactory(school=world.school, user=f.UserFactory(username="father"))
    f.GuardianshipFactory(guardian=refusing, student=world.student, relation="father")
    f.record_decision(refusing, world.student, decision="refusal")
    reach(refusing, world.student, email="papa@example.ru", phone="+79161230000", sms=True, rhythm="immediate")
    classmate = f.StudentFactory(school=world.school, name="Борис")
    f.ClassMembershipFactory(student=classmate, class_unit=world.class_5a)
    undecided = f.GuardianFactory(school=world.school, user=f.UserFactory(username="undecided"))
    f.GuardianshipFactory(guardian=undecided, student=classmate)
    reach(undecided, classmate, email="nobody@example.ru", phone="+79161239999", sms=True, rhythm="immediate")

    lesson_changes.lesson_substitute(
        lesson=lessons[1], substitute=world.other_teacher, reason="Болезнь учителя", by=world.admin.user
    )

    wait_for("the parent's email", lambda: delivery.mails_to(EMAIL))
    wait_for("the parent's SMS", lambda: delivery.sms_to(PHONE))
    sweep()
    assert [mail.to for mail in delivery.smtp.mails] == [(EMAIL,)]
    assert [sms.to for sms in delivery.gateway.sms] == [PHONE]
    assert not Notification.objects.filter(guardian__in=[refusing, undecided]).exists()
    assert not Message.objects.filter(guardian__in=[refusing, undecided]).exists()


# --- Redis down while a mark is recorded ----------------------------------------------------------------


def test_with_redis_down_the_journal_answers_and_the_sweep_delivers_once_it_is_back(
    clock, world, lessons, work_type, family, delivery, client
):
    client.force_login(world.teacher.user)
    cell = reverse(
        "gradebook:journal-cell",
        kwargs={"lesson_public_id": lessons[0].public_id, "student_public_id": world.student.public_id},
    )
    with app_on_redis(f"redis://127.0.0.1:{free_port()}/13"):  # nothing listens there: the broker is down
        started = time.monotonic()
        response = client.post(cell, {"value": "5"}, HTTP_HX_REQUEST="true")
        took = time.monotonic() - started
    assert response.status_code == 200, response.content.decode()[:500]
    assert took < 3, f"the journal took {took:.1f} s to answer with the broker down"
    assert world.student.marks.get().value == 5
    assert set(Message.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert Message.objects.count() == 2

    with app_on_redis(WORKER_REDIS_URL) as app, worker_thread(app):
        quiesce()
        assert delivery.smtp.mails == [] and delivery.gateway.sms == []  # nothing was queued: the sweep's job
        sweep_outbox.delay()
        wait_for("the email after the sweep", lambda: delivery.mails_to(EMAIL))
        wait_for("the SMS after the sweep", lambda: delivery.sms_to(PHONE))
        sweep()
        sweep()
    assert len(delivery.smtp.mails) == 1 and len(delivery.gateway.sms) == 1
    assert set(Message.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


# --- Quiet hours ------------------------------------------------------------------------------------------


def test_an_sms_in_the_quiet_hours_waits_for_the_morning(clock, world, lessons, work_type, family, worker, delivery):
    """A mark recorded at 22:00: the email goes at once, the SMS at 08:00 the next morning, once."""
    clock.move_to(at(22, 0))
    record_mark(world, lessons[0], work_type)

    wait_for("the email at 22:00", lambda: delivery.mails_to(EMAIL))
    sweep()
    assert delivery.gateway.sms == []
    assert Message.objects.get(channel="sms").not_before == at(8, 0, day=TOMORROW)

    clock.move_to(at(7, 59, 59, day=TOMORROW))
    sweep()
    assert delivery.gateway.sms == []

    clock.move_to(at(8, 0, day=TOMORROW))
    sweep_outbox.delay()
    (sms,) = wait_for("the SMS at 08:00", lambda: delivery.sms_to(PHONE))
    sweep()
    assert len(delivery.gateway.sms) == 1 and len(delivery.smtp.mails) == 1
    assert "Анна" in sms.text


# --- Finals -------------------------------------------------------------------------------------------------


def test_a_published_final_reaches_the_family_within_minutes(clock, world, period, worker, delivery):
    """Confirmed by the teacher, or published by the 24-hour rule on the beat's sweep: either way the
    family's email and SMS arrive at once, whatever their rhythm (daily here)."""
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True, rhythm="daily")
    final_services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="period",
        period=period,
        value="5",
        class_unit=world.class_5a,
        publish=True,
    )
    wait_for("the email about the confirmed final", lambda: delivery.mails_to(EMAIL))
    wait_for("the SMS about the confirmed final", lambda: delivery.sms_to(PHONE))

    physics = f.SubjectFactory(school=world.school, name="Физика")
    f.FinalMarkFactory(
        period=period,
        student=world.student,
        subject=physics,
        value="4",
        recorded_at=timezone.now() - datetime.timedelta(hours=25),
    )
    assert publish_overdue_finals.delay().get(timeout=TIMEOUT) == 1
    wait_for("the email about the final published by the 24-hour rule", lambda: len(delivery.mails_to(EMAIL)) == 2)
    wait_for("its SMS", lambda: len(delivery.sms_to(PHONE)) == 2)
    sweep()
    assert len(delivery.smtp.mails) == 2 and len(delivery.gateway.sms) == 2
    assert any("Физика" in mail.text for mail in delivery.smtp.mails)
    assert set(Notification.objects.values_list("kind", flat=True)) == {Kind.FINAL}


# --- Absence -------------------------------------------------------------------------------------------------


def test_an_absence_at_the_first_lesson_alerts_once_after_the_grace_period(clock, world, lessons, worker, delivery):
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True, rhythm="daily")
    clock.move_to(at(8, 35))
    attendance(world, lessons[0], "н")
    sweep()
    assert delivery.smtp.mails == [] and delivery.gateway.sms == []  # the grace period (15 minutes)

    clock.move_to(at(8, 45))
    attendance(world, lessons[1], "н")  # whatever else is marked that day
    attendance(world, lessons[0], "у")
    clock.move_to(at(8, 49))
    sweep()
    assert delivery.smtp.mails == [] and delivery.gateway.sms == []

    clock.move_to(at(8, 50, 30))
    sweep_outbox.delay()
    (mail,) = wait_for("the absence email", lambda: delivery.mails_to(EMAIL))
    (sms,) = wait_for("the absence SMS", lambda: delivery.sms_to(PHONE))
    assert timezone.now() - at(8, 35) < datetime.timedelta(minutes=20)  # within minutes after the grace period

    clock.move_to(at(11, 0))
    attendance(world, lessons[2], "н")
    attendance(world, lessons[3], "б")
    sweep()
    assert len(delivery.smtp.mails) == 1 and len(delivery.gateway.sms) == 1
    assert "Анна" in mail.subject and "Анна" in sms.text
    assert set(Message.objects.values_list("notification__kind", "status")) == {(Kind.ABSENCE, OutboxStatus.SENT)}


def test_an_absence_corrected_within_the_grace_period_sends_nothing(clock, world, lessons, worker, delivery):
    """Two students marked absent at 08:35; one is present after all at 08:42. Only the other's family hears
    of it, after the grace period."""
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True, rhythm="immediate")
    (classmate,) = class_of_families(world.class_5a, 1)
    clock.move_to(at(8, 35))
    attendance(world, lessons[0], "н")
    attendance_services.attendance_set(lesson=lessons[0], student=classmate, code="н", by=world.teacher.user)
    clock.move_to(at(8, 42))
    attendance(world, lessons[0], "")  # present after all

    clock.move_to(at(9, 0))
    sweep_outbox.delay()
    wait_for("the classmate's family's email", lambda: delivery.mails_to("family0@example.ru"))
    wait_for("the classmate's family's SMS", lambda: delivery.sms_to("+79165550000"))
    clock.move_to(at(12, 0))
    sweep()
    assert delivery.mails_to(EMAIL) == [] and delivery.sms_to(PHONE) == []
    assert len(delivery.smtp.mails) == 1 and len(delivery.gateway.sms) == 1
    (cancelled,) = Notification.objects.filter(guardian=world.parent)
    assert cancelled.kind == Kind.ABSENCE and cancelled.cancelled_at is not None
    ours = Message.objects.filter(guardian=world.parent)
    assert ours.count() == 2 and set(ours.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}


# --- A worker killed in the middle of a digest batch ------------------------------------------------------


def test_a_worker_killed_in_the_middle_of_a_digest_batch_leaves_one_digest_per_family(world):
    """A worker process on the test database builds the daily digests and sends them through a slow SMTP
    server; it is killed (SIGKILL) in the middle of the batch, while it sends one. Another worker, the
    rerun and the sweep finish the batch: every family has exactly one digest, received once."""
    families = 8
    students = class_of_families(world.class_5a, families, rhythm="daily", sms=False)
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, number=1)
    work_type = f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))
    for student in students:
        f.MarkFactory(lesson=lesson, student=student, value=4, work_type=work_type)
    addresses = [f"family{number}@example.ru" for number in range(families)]
    day = timezone.localdate().isoformat()

    with (
        redis_for_workers(),
        smtp_server(delay=0.4) as smtp,
        sms_gateway() as gateway,
        app_on_redis(WORKER_REDIS_URL),
    ):
        with worker_process(smtp=smtp, gateway=gateway, name="first") as first:
            send_daily_digests.delay(world.school.pk, day)
            wait_for(
                "two digests sent, a third on its way", lambda: len(smtp.mails) >= 2 and smtp.receiving_for() < 0.2
            )
            first.kill()
        delivered = len(smtp.mails)
        assert 2 <= delivered < families, first.log
        assert Message.objects.filter(status=OutboxStatus.SENDING).count() == 1  # the one it held
        # Five minutes later the dead worker's lease has run out (we do not wait for them).
        Message.objects.filter(status=OutboxStatus.SENDING).update(
            claimed_until=timezone.now() - datetime.timedelta(seconds=1)
        )

        with worker_process(smtp=smtp, gateway=gateway, name="second") as second:
            assert send_daily_digests.delay(world.school.pk, day).get(timeout=TIMEOUT) == 0  # all built already
            sweep_outbox.delay()
            wait_for(
                "every family's digest",
                lambda: all(smtp.to(address) for address in addresses),
                timeout=30,
            )
            sweep_outbox.delay()
            assert send_daily_digests.delay(world.school.pk, day).get(timeout=TIMEOUT) == 0
            quiesce()
        assert second.process.returncode is not None

    assert sorted(len(smtp.to(address)) for address in addresses) == [1] * families, [m.to for m in smtp.mails]
    digests = Digest.objects.filter(rhythm=Digest.Rhythm.DAILY, covers_until=day)
    assert digests.count() == families
    assert digests.values("guardian").distinct().count() == families
    messages = Message.objects.filter(digest__in=digests)
    assert messages.count() == families and set(messages.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert gateway.sms == []
