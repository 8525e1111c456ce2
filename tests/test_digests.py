"""Daily and weekly digests: what they tell (marks with work types, homework for tomorrow, changes, control
works, the forecast at risk, recommendations, finals), once per family and day however often they are
built, nothing electronic without consent, and a query count that does not grow with the families."""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentDocument, ConsentRecord, ContactPoint, DeliveryPreference
from gradebook import models as gm
from notifications.digest_tasks import build_digest_chunk, send_daily_digests, send_weekly_digests
from notifications.models import Digest, Kind, Message, Notification, NotificationSettings
from notifications.selectors.digest_content import ahead_span
from notifications.services.digests import digest_day_due, digest_week_start, digests_build

from . import factories as f

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
# A Wednesday of the second quarter, before the default digest time (18:00).
MOMENT = datetime.datetime(2026, 11, 11, 17, 0, tzinfo=MSK)
DAY = MOMENT.date()
TOMORROW = DAY + datetime.timedelta(days=1)

DAILY, WEEKLY = Digest.Rhythm.DAILY, Digest.Rhythm.WEEKLY


@pytest.fixture(autouse=True)
def _wednesday(time_machine):
    time_machine.move_to(MOMENT)


def _email(guardian, address="parent@example.test"):
    return ContactPoint.objects.create(
        guardian=guardian, kind="email", email=address, provenance="self", verified_at=timezone.now()
    )


def _phone(guardian, number="+79161234567"):
    return ContactPoint.objects.create(
        guardian=guardian, kind="phone", phone=number, provenance="self", verified_at=timezone.now()
    )


def _build(world, rhythm=DAILY, guardians=None, day=DAY):
    ids = [g.pk for g in (guardians or [world.parent])]
    return digests_build(school=world.school, rhythm=rhythm, day=day, guardian_ids=ids)


@pytest.fixture
def quarter(world):
    return f.ReportingPeriodFactory(
        school_year=world.year, number=2, starts_on=datetime.date(2026, 11, 5), ends_on=datetime.date(2026, 12, 28)
    )


@pytest.fixture
def journal(world, quarter):
    """A week of 5А: three 2s in maths (a test), homework given today for tomorrow's maths, a substituted
    and a cancelled lesson tomorrow, a control work next Monday, a recommendation and a published final."""
    test = f.WorkTypeFactory(school=world.school, name="Контрольная работа")
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    substitute = f.EmployeeFactory(school=world.school, surname="Заменова", name="Ольга", patronymic="Ивановна")
    lessons = [
        f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=day, number=1)
        for day in (DAY - datetime.timedelta(days=2), DAY - datetime.timedelta(days=1), DAY)
    ]
    for lesson in lessons:
        f.MarkFactory(lesson=lesson, student=world.student, value=2, work_type=test)
    f.HomeworkFactory(lesson=lessons[-1], text="§ 14, номера 210–215")
    f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=TOMORROW, number=1)
    substituted = f.LessonFactory(
        class_unit=world.class_5a, subject=russian, date=TOMORROW, number=2, substitute=substitute
    )
    f.LessonChangeFactory(lesson=substituted, kind="substitution", reason="Болезнь учителя")
    cancelled = f.LessonFactory(class_unit=world.class_5a, subject=russian, date=TOMORROW, number=3, is_cancelled=True)
    f.LessonChangeFactory(lesson=cancelled, kind="cancellation", reason="Экскурсия")
    f.ControlWorkFactory(
        class_unit=world.class_5a, subject=world.math, date=DAY + datetime.timedelta(days=5), topic="Десятичные дроби"
    )
    f.RecommendationFactory(student=world.student, teacher=world.teacher, text="Решать по два примера в день.")
    first_quarter = f.ReportingPeriodFactory(school_year=world.year, number=1)
    now = timezone.now()
    f.FinalMarkFactory(
        student=world.student,
        subject=russian,
        period=first_quarter,
        value="4",
        recorded_at=now - datetime.timedelta(hours=1),
        published_at=now,
    )
    f.TeachingAssignmentFactory(subject=russian, class_unit=world.class_5a)
    return lessons


# --- Content -------------------------------------------------------------------------------------


def test_the_daily_digest_tells_the_day(world, journal):
    _email(world.parent)
    assert _build(world) == 1
    digest = Digest.objects.get()
    assert (digest.guardian, digest.rhythm, digest.covers_until) == (world.parent, DAILY, DAY)
    email = Message.objects.get()
    assert (email.channel, email.to, email.digest) == ("email", "parent@example.test", digest)
    assert email.student == world.student  # one child: the List-Unsubscribe header can name it
    text = email.text
    # New marks with their work types.
    assert text.count("Контрольная работа") == 3
    assert re.search(r"Математика: 2 \(Контрольная работа\)", text)
    # Homework given today for tomorrow's maths.
    assert "§ 14, номера 210–215" in text
    # Tomorrow's changes: the substitute teacher and the cancellation, with their reasons.
    assert "Заменова О.И." in text and "Болезнь учителя" in text and "Экскурсия" in text
    # The control work ahead, the recommendation and the published final.
    assert "Десятичные дроби" in text
    assert "Решать по два примера в день." in text
    assert re.search(r"Русский язык, 1 .*: 4", text)
    # The forecast: maths at risk (three 2s), with what it takes.
    assert re.search(r"Математика: .*2", text)
    for part in ("Контрольная работа", "§ 14", "Заменова", "Десятичные дроби", "Решать по два примера"):
        assert part in email.html
    assert 'href="http://' in email.html and "/notifications/unsubscribe/" in email.html
    assert "/notifications/read/" not in email.html  # the read confirmation is the weekly digest's


def test_content_of_a_child(world, journal):
    """The selector's view of the same week: the forecast at risk first, homework due tomorrow."""
    from notifications.selectors.digest_content import digest_content
    from notifications.selectors.digest_families import digest_recipients

    _email(world.parent)
    now = timezone.now()
    recipients = digest_recipients(school=world.school, rhythm=DAILY, day=DAY, guardian_ids=[world.parent.pk], now=now)
    child = digest_content(recipients=recipients, rhythm=DAILY, day=DAY, now=now)[world.parent.pk, world.student.pk]
    assert [mark.value for mark in child.marks] == [2, 2, 2]
    assert [(line.subject.name, line.due_on, line.given_on) for line in child.homework] == [
        ("Математика", TOMORROW, DAY)
    ]
    assert [(line.lesson.number, line.kind) for line in child.changes] == [(2, "substitution"), (3, "cancellation")]
    assert [work.topic for work in child.control_works] == ["Десятичные дроби"]
    assert [line.subject.name for line in child.at_risk] == ["Математика"]
    assert child.forecasts[0].forecast.projected == "2"
    assert [final.value for final in child.finals] == ["4"]
    assert len(child.recommendations) == 1


def test_only_what_is_new_since_the_last_digest(world, journal, time_machine):
    _email(world.parent)
    _build(world)
    time_machine.shift(datetime.timedelta(days=1))
    f.MarkFactory(
        lesson=journal[-1], student=world.student, value=5, position=2, work_type=f.WorkTypeFactory(name="Ответ")
    )
    assert _build(world, day=TOMORROW) == 1
    latest = Message.objects.get(digest__covers_until=TOMORROW)
    assert "Математика: 5 (Ответ)" in latest.text
    assert "Математика: 2 (Контрольная работа)" not in latest.text  # the 2s were told yesterday
    assert Digest.objects.get(covers_until=TOMORROW).covers_from == DAY


def test_a_quiet_day_sends_nothing_but_is_done(world, quarter):
    _email(world.parent)
    assert _build(world) == 1
    assert Digest.objects.count() == 1
    assert not Message.objects.exists()
    assert _build(world) == 0


def test_homework_for_tomorrow_after_saturday_is_mondays(world, quarter):
    saturday, monday = datetime.date(2026, 11, 14), datetime.date(2026, 11, 16)
    assert ahead_span(DAILY, saturday) == (monday, monday)
    assert ahead_span(WEEKLY, saturday) == (saturday + datetime.timedelta(days=1), saturday + datetime.timedelta(7))


def test_the_weekly_digest_reaches_the_cabinet_and_asks_to_confirm(world, journal):
    _email(world.parent)
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student, rhythm=WEEKLY)
    assert _build(world) == 0  # a weekly family gets no daily digest
    assert _build(world, rhythm=WEEKLY) == 1
    email = Message.objects.get()
    assert "/notifications/read/" in email.text and "/notifications/read/" in email.html
    alert = Notification.objects.get()
    assert (alert.kind, alert.guardian, alert.student) == (Kind.DIGEST, world.parent, world.student)
    assert alert.url == f"/notifications/week/{world.student.public_id}/"
    # Sent on a Wednesday, it asks about the last week (four of its seven days); on a Friday, this one.
    assert digest_week_start(DAY) == datetime.date(2026, 11, 2)
    assert digest_week_start(datetime.date(2026, 11, 13)) == datetime.date(2026, 11, 9)


def test_a_short_sms_when_the_family_chose_sms(world, journal):
    _phone(world.parent)
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student, email=False, sms=True)
    _build(world)
    sms = Message.objects.get()
    assert (sms.channel, sms.to, sms.segments) == ("sms", "+79161234567", 1)
    assert "3" in sms.text and "\n" not in sms.text


def test_sms_after_the_quiet_hours_start_wait_for_the_morning(world, journal, time_machine):
    _phone(world.parent)
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student, email=False, sms=True)
    time_machine.move_to(datetime.datetime(2026, 11, 11, 22, 0, tzinfo=MSK))
    _build(world)
    assert Message.objects.get().not_before == datetime.datetime(2026, 11, 12, 8, 0, tzinfo=MSK)


# --- Once, and only where consent allows -------------------------------------------------------


def test_once_per_family_and_day_however_often_built(world, journal, django_capture_on_commit_callbacks, mailoutbox):
    _email(world.parent)
    _phone(world.parent)
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student, sms=True)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            build_digest_chunk(world.school.pk, DAILY, DAY.isoformat(), [world.parent.pk])
        with django_capture_on_commit_callbacks(execute=True):
            send_daily_digests(school_id=world.school.pk, day=DAY.isoformat())
    assert Digest.objects.count() == 1
    assert sorted(Message.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["parent@example.test"]
    assert "/notifications/unsubscribe/" in mailoutbox[0].extra_headers["List-Unsubscribe"]


def test_nothing_electronic_without_consent(world, journal):
    refusing = f.GuardianFactory(school=world.school, user=f.UserFactory(username="refusing"))
    f.GuardianshipFactory(guardian=refusing, student=world.student, relation="father")
    f.record_decision(refusing, world.student, decision="refusal")
    _email(refusing, "father@example.test")
    _email(world.parent)
    f.record_decision(world.parent, world.student, decision="withdrawal")
    for rhythm in (DAILY, WEEKLY):
        DeliveryPreference.objects.update_or_create(
            guardian=refusing, student=world.student, defaults={"rhythm": rhythm}
        )
        assert _build(world, rhythm=rhythm, guardians=[refusing, world.parent]) == 0
    assert not Digest.objects.exists()
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_a_bouncing_address_gets_no_digest(world, journal):
    _email(world.parent).__class__.objects.update(bouncing_at=timezone.now())
    assert _build(world) == 0
    assert not Message.objects.exists()


def test_every_child_of_the_family_in_one_email(world, journal):
    _email(world.parent)
    sibling = f.StudentFactory(school=world.school, surname="Ученикова", name="Вера")
    f.ClassMembershipFactory(student=sibling, class_unit=world.class_6b)
    f.GuardianshipFactory(guardian=world.parent, student=sibling)
    f.record_decision(world.parent, sibling)
    f.MarkFactory(
        lesson=f.LessonFactory(class_unit=world.class_6b, subject=world.math, date=DAY),
        student=sibling,
        value=4,
        work_type=f.WorkTypeFactory(school=world.school, name="Диктант"),
    )
    _build(world)
    email = Message.objects.get()
    assert "Анна" in email.text and "Вера" in email.text and "Диктант" in email.text
    assert email.text.count("/notifications/unsubscribe/") == 2
    assert email.student is None


# --- The schedule ---------------------------------------------------------------------------------


def test_the_digest_time_in_the_schools_time_zone():
    rules = NotificationSettings(daily_digest_at=datetime.time(18, 0), weekly_digest_weekday=5)
    at = datetime.datetime(2026, 11, 13, 18, 5, tzinfo=MSK)  # a Friday
    assert digest_day_due(rules, rhythm=DAILY, now=at, zone=MSK) == datetime.date(2026, 11, 13)
    assert digest_day_due(rules, rhythm=WEEKLY, now=at, zone=MSK) == datetime.date(2026, 11, 13)
    assert digest_day_due(rules, rhythm=WEEKLY, now=at - datetime.timedelta(days=1), zone=MSK) is None
    assert digest_day_due(rules, rhythm=DAILY, now=at - datetime.timedelta(minutes=10), zone=MSK) is None
    assert digest_day_due(rules, rhythm=DAILY, now=at + datetime.timedelta(hours=3), zone=MSK) is None
    vladivostok = zoneinfo.ZoneInfo("Asia/Vladivostok")  # 18:05 there is 11:05 in Moscow
    assert digest_day_due(rules, rhythm=DAILY, now=at.replace(hour=11), zone=vladivostok) == at.date()
    late = NotificationSettings(daily_digest_at=datetime.time(23, 0), weekly_digest_weekday=5)
    after_midnight = datetime.datetime(2026, 11, 14, 0, 30, tzinfo=MSK)
    assert digest_day_due(late, rhythm=DAILY, now=after_midnight, zone=MSK) == datetime.date(2026, 11, 13)


def test_the_hourly_check_sends_when_the_time_has_come(
    world, journal, time_machine, django_capture_on_commit_callbacks
):
    _email(world.parent)
    assert send_daily_digests() == 0  # 17:00: not yet
    time_machine.move_to(datetime.datetime(2026, 11, 11, 18, 0, 30, tzinfo=MSK))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 1
    assert Digest.objects.filter(rhythm=DAILY, covers_until=DAY).count() == 1
    time_machine.move_to(datetime.datetime(2026, 11, 11, 19, 0, 30, tzinfo=MSK))
    assert send_daily_digests() == 0  # done: nothing left to queue
    assert send_weekly_digests() == 0  # Wednesday is not the weekly digest's day (Friday by default)
    assert Digest.objects.count() == 1


# --- Scale ------------------------------------------------------------------------------------------


def _families(world, count: int) -> list[gm.Guardian]:
    """``count`` families of 5А with consent, a verified email, a mark today and maths homework."""
    school = world.school
    students = gm.Student.objects.bulk_create(
        gm.Student(school=school, surname=f"Ученик{n}", name="Иван", electronic_access=True) for n in range(count)
    )
    guardians = gm.Guardian.objects.bulk_create(
        gm.Guardian(school=school, surname=f"Родитель{n}", name="Мария") for n in range(count)
    )
    start = world.year.starts_on
    gm.ClassMembership.objects.bulk_create(
        gm.ClassMembership(student=s, class_unit=world.class_5a, starts_on=start) for s in students
    )
    gm.Guardianship.objects.bulk_create(
        gm.Guardianship(guardian=g, student=s, relation="mother", starts_on=start, electronic_access=True)
        for g, s in zip(guardians, students, strict=True)
    )
    document = ConsentDocument.objects.filter(school=school).first()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            school=school,
            student=s,
            guardian=g,
            decision="consent",
            document=document,
            form="paper",
            paper_number="1",
            paper_date=DAY,
            signed_on=DAY,
        )
        for g, s in zip(guardians, students, strict=True)
    )
    ContactPoint.objects.bulk_create(
        ContactPoint(guardian=g, kind="email", email=f"p{g.pk}@example.test", provenance="self", verified_at=MOMENT)
        for g in guardians
    )
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=DAY, number=4)
    work = f.WorkTypeFactory(school=school, name="Самостоятельная работа")
    gm.Mark.objects.bulk_create(
        gm.Mark(
            school=school,
            lesson=lesson,
            student=s,
            subject=world.math,
            date=DAY,
            value=4,
            work_type=work,
            recorded_by=world.teacher.user,
        )
        for s in students
    )
    return guardians


def test_the_query_count_does_not_grow_with_the_families(world, journal):
    guardians = _families(world, 210)
    counts = {}
    for size, chunk in ((10, guardians[:10]), (200, guardians[10:])):
        with CaptureQueriesContext(connection) as queries:
            assert _build(world, guardians=chunk) == size
        counts[size] = len(queries)
    assert counts[10] == counts[200], counts
    assert counts[10] <= 30, counts
    assert Message.objects.count() == 210
    assert Digest.objects.count() == 210
