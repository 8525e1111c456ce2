"""Event alerts: the receivers of gradebook's signals write one cabinet alert and one message per allowed
channel for each current guardian, once; urgent events go out at once whatever the rhythm, others only to
families who chose alerts as they happen; an absence waits out the grace period and a correction within it
cancels it; an SMS in the quiet hours waits for the morning; the query count does not grow with the class."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ediary.outbox import OutboxStatus
from ediary.sms import sms_segments
from ediary.sms.backends import locmem
from gradebook import signals
from gradebook.models import LessonChange, Mark
from gradebook.services import attendance as attendance_services
from gradebook.services import finals as final_services
from gradebook.services import homework as homework_services
from gradebook.services import lesson_changes
from gradebook.services import marks as mark_services
from gradebook.services import recommendations as recommendation_services
from notifications.models import Kind, Message, Notification, NotificationSettings
from notifications.services.alerts import after_quiet_hours, sms_fit
from notifications.tasks import sweep_outbox

from . import factories as f
from .notification_families import MONDAY_MORNING, MOSCOW, class_of_families, reach

EMAIL = "mama@example.ru"
PHONE = "+79161234567"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Runs the after-commit hand-over (eager Celery: the delivery) when the block ends."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def today():
    return MONDAY_MORNING.date()


@pytest.fixture
def period(world, today):
    """The running quarter, not yet half over: too few marks are no risk yet."""
    start = today - datetime.timedelta(days=10)
    return f.ReportingPeriodFactory(
        school_year=world.year, starts_on=start, ends_on=start + datetime.timedelta(days=60)
    )


@pytest.fixture
def work_type(world):
    return f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))


@pytest.fixture
def lesson(world, period, today):
    return f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today, number=1)


@pytest.fixture
def family(world):
    """The parent of 5А's student, reachable by email and SMS, with the default daily rhythm."""
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True)
    return world.parent


def record_mark(world, lesson, value=5, work_type=None, **extra):
    work_type = work_type or f.WorkTypeFactory(school=world.school, name="Ответ на уроке")
    return mark_services.mark_record(
        lesson=lesson, student=world.student, value=value, work_type=work_type, by=world.teacher.user, **extra
    )


def absent(world, lesson, code="н"):
    return attendance_services.attendance_set(lesson=lesson, student=world.student, code=code, by=world.teacher.user)


def channels_sent():
    return sorted(Message.objects.filter(status=OutboxStatus.SENT).values_list("channel", flat=True))


# --- One event: one alert per allowed channel, once ----------------------------------------------


def test_a_mark_is_a_cabinet_alert_and_waits_for_the_daily_digest(world, family, lesson, work_type, capture):
    with capture(execute=True):
        mark = record_mark(world, lesson, work_type=work_type)

    alert = Notification.objects.get()
    assert (alert.guardian, alert.student, alert.kind) == (world.parent, world.student, Kind.MARK)
    assert alert.dedupe_key == f"mark:{mark.pk}:5:g{world.parent.pk}"
    assert "Анна" in alert.title and "5" in alert.title and "Математика" in alert.title
    assert "Контрольная работа" in alert.text
    assert alert.url == f"/students/{world.student.public_id}/marks/"
    assert alert.not_before == timezone.now() and alert.cancelled_at is None
    assert not Message.objects.exists() and mail.outbox == [] and locmem.outbox == []


def test_immediate_rhythm_sends_one_email_and_one_sms_once(world, lesson, work_type, capture):
    reach(world.parent, world.student, email=EMAIL, phone=PHONE, sms=True, rhythm="immediate")
    with capture(execute=True):
        mark = record_mark(world, lesson, work_type=work_type)
    with capture(execute=True):  # the same event again: nothing new
        signals.mark_recorded.send(sender=Mark, mark=mark, previous="", by=world.teacher.user)
        record_mark(world, lesson, work_type=work_type)  # unchanged: no event at all

    assert Notification.objects.count() == 1
    assert channels_sent() == ["email", "sms"]
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert [(sms.to, sms.text) for sms in locmem.outbox] == [(PHONE, Message.objects.get(channel="sms").text)]
    email, sms = Message.objects.get(channel="email"), Message.objects.get(channel="sms")
    assert email.notification == sms.notification == Notification.objects.get()
    assert email.student == sms.student == world.student
    assert email.dedupe_key == f"mark:{mark.pk}:5:g{world.parent.pk}:email"


def test_a_changed_value_is_announced_again_and_says_what_it_was(world, family, lesson, work_type, capture):
    with capture(execute=True):
        record_mark(world, lesson, value=3, work_type=work_type)
        record_mark(world, lesson, value=4, work_type=work_type)

    changed = Notification.objects.order_by("pk").last()
    assert Notification.objects.count() == 2
    assert "4" in changed.title and "3" in changed.text


def test_the_email_comes_from_the_school_in_text_and_html_with_an_unsubscribe_link(world, lesson, capture):
    reach(world.parent, world.student, email=EMAIL, rhythm="immediate")
    with capture(execute=True):
        record_mark(world, lesson)

    (email,) = mail.outbox
    assert email.from_email == "Тестовая школа <noreply@ediary.local>"
    assert "Анна" in email.subject
    html = dict((mimetype, body) for body, mimetype in email.alternatives)["text/html"]
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+/", email.body).group(0)
    assert link in html and email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/students/{world.student.public_id}/marks/" in email.body


def test_an_sms_names_the_child_by_first_name_only_and_fits_two_segments(world, lesson, capture):
    reach(world.parent, world.student, phone=PHONE, sms=True)
    lesson.subject.name = "Основы духовно-нравственной культуры народов России и их история " * 2
    lesson.subject.save()
    with capture(execute=True):
        absent(world, lesson)
    sweep_at(capture, MONDAY_MORNING + datetime.timedelta(minutes=16))

    (sms,) = locmem.outbox
    assert "Анна" in sms.text and world.student.surname not in sms.text
    assert sms_segments(sms.text) <= 2 and sms.text.endswith("…")
    assert Message.objects.get().segments == sms_segments(sms.text)


def test_sms_fit_keeps_short_texts_and_cuts_long_ones():
    assert sms_fit("Анна: 5 по математике") == "Анна: 5 по математике"
    assert sms_segments(sms_fit("Очень длинный текст " * 30)) == 2
    assert sms_segments(sms_fit("Очень длинный текст " * 30, segments=1)) == 1


# --- Consent and the family's choices ------------------------------------------------------------------


def test_a_family_without_consent_gets_nothing_electronic(world, family, lesson, capture):
    """A second guardian of the child refused consent: nothing for them, everything for the parent."""
    refusing = f.GuardianFactory(school=world.school, user=f.UserFactory(username="father"))
    f.GuardianshipFactory(guardian=refusing, student=world.student, relation="father")
    f.record_decision(refusing, world.student, decision="refusal")
    reach(refusing, world.student, email="papa@example.ru", phone="+79161230000", sms=True, rhythm="immediate")
    with capture(execute=True):
        final_services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=world.math,
            kind="year",
            value="5",
            school_year=world.year,
            class_unit=world.class_5a,
            publish=True,
        )

    assert set(Notification.objects.values_list("guardian", flat=True)) == {world.parent.pk}
    assert set(Message.objects.values_list("guardian", flat=True)) == {world.parent.pk}
    assert [m.to for m in mail.outbox] == [[EMAIL]] and [s.to for s in locmem.outbox] == [PHONE]


def test_a_guardian_whose_access_is_restricted_hears_nothing(world, family, lesson, capture):
    world.guardianship.access_restriction, world.guardianship.restriction_basis = "court_order", "Решение суда № 1"
    world.guardianship.save()
    with capture(execute=True):
        absent(world, lesson)
    assert not Notification.objects.exists() and not Message.objects.exists()


def test_without_a_deliverable_contact_there_is_no_message(world, lesson, capture):
    reach(world.parent, world.student, rhythm="immediate")
    with capture(execute=True):
        record_mark(world, lesson)
    assert Notification.objects.count() == 1 and not Message.objects.exists()


# --- Urgent events --------------------------------------------------------------------------------------


def test_a_published_final_is_announced_at_once_and_again_when_changed(world, family, capture, clock):
    def publish(value):
        return final_services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=world.math,
            kind="year",
            value=value,
            school_year=world.year,
            class_unit=world.class_5a,
            publish=True,
        )

    with capture(execute=True):
        publish("4")
    assert channels_sent() == ["email", "sms"]  # daily rhythm, yet at once: a final is urgent
    clock.shift(datetime.timedelta(minutes=5))
    with capture(execute=True):
        publish("5")

    assert Notification.objects.filter(kind=Kind.FINAL).count() == 2
    assert "5" in Notification.objects.order_by("pk").last().title
    assert len(mail.outbox) == 2 and len(locmem.outbox) == 2


def test_the_24_hour_sweep_announces_the_final_once(world, family, capture, clock):
    final_services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="year",
        value="4",
        school_year=world.year,
        class_unit=world.class_5a,
    )
    assert not Notification.objects.exists()
    clock.shift(datetime.timedelta(hours=25))
    with capture(execute=True):
        final_services.finals_publish_overdue()
        final_services.finals_publish_overdue()
    assert Notification.objects.filter(kind=Kind.FINAL).count() == 1
    assert channels_sent() == ["email", "sms"]


def test_a_forecast_at_risk_alerts_once_per_projected_value(world, family, lesson, period, capture):
    lessons = [lesson] + [
        f.LessonFactory(
            class_unit=world.class_5a,
            subject=world.math,
            teacher=world.teacher,
            date=lesson.date - datetime.timedelta(days=days),
            number=1,
        )
        for days in (1, 2, 3)
    ]
    with capture(execute=True):
        for past in lessons[1:]:
            record_mark(world, past, value=2)
    risk = Notification.objects.get(kind=Kind.FORECAST)
    assert risk.dedupe_key == f"risk:{world.student.pk}:{world.math.pk}:{period.pk}:2:g{world.parent.pk}"
    assert "Математика" in risk.title and "2" in risk.text
    assert channels_sent() == ["email", "sms"]
    with capture(execute=True):
        record_mark(world, lesson, value=2)  # still a 2: no second alert
    assert Notification.objects.filter(kind=Kind.FORECAST).count() == 1


def test_a_lesson_change_for_tomorrow_is_urgent_one_next_week_is_not(world, family, period, today, capture):
    tomorrow = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today + datetime.timedelta(days=1)
    )
    later = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today + datetime.timedelta(days=8)
    )
    past = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today - datetime.timedelta(days=1)
    )
    with capture(execute=True):
        lesson_changes.lesson_cancel(lesson=tomorrow, reason="Учитель болен", by=world.admin.user)
    assert Notification.objects.get().kind == Kind.LESSON_CHANGE
    assert channels_sent() == ["email", "sms"]
    with capture(execute=True):
        lesson_changes.lesson_cancel(lesson=later, reason="Экскурсия", by=world.admin.user)
        LessonChange.objects.create(
            school=world.school, lesson=past, kind="cancellation", reason="—", recorded_by=world.admin.user
        )
        signals.lesson_changed.send(sender=type(past), lesson=past, change=past.changes.get(), by=world.admin.user)
    assert Notification.objects.count() == 2  # next week's: in the cabinet; yesterday's: nothing
    assert channels_sent() == ["email", "sms"]


def test_a_lesson_moved_from_tomorrow_is_urgent_for_every_family_of_the_class(world, family, period, today, capture):
    others = class_of_families(world.class_5a, 2, rhythm="daily", sms=False)
    tomorrow = f.LessonFactory(
        class_unit=world.class_5a,
        subject=world.math,
        teacher=world.teacher,
        date=today + datetime.timedelta(days=1),
        number=3,
    )
    with capture(execute=True):
        lesson_changes.lesson_move(
            lesson=tomorrow, date=today + datetime.timedelta(days=2), number=5, reason="Олимпиада", by=world.admin.user
        )
    assert set(Notification.objects.values_list("student", flat=True)) == {world.student.pk, *(s.pk for s in others)}
    assert len(mail.outbox) == 3


# --- Not urgent: the cabinet, and email for families who want every alert ----------------------------------


def test_homework_a_control_work_and_a_recommendation_reach_the_cabinet(world, family, lesson, today, capture):
    with capture(execute=True):
        homework_services.homework_set(lesson=lesson, text="§ 12, № 3–5", by=world.teacher.user)
        homework_services.homework_set(lesson=lesson, text="§ 12, № 3–6", by=world.teacher.user)  # edited: once
        work = f.ControlWorkFactory(
            class_unit=world.class_5a, subject=world.math, date=today + datetime.timedelta(days=3)
        )
        signals.control_work_scheduled.send(sender=type(work), control_work=work, by=world.teacher.user)
        recommendation_services.recommendation_write(
            student=world.student, teacher=world.teacher, text="Повторить дроби.", by=world.teacher.user
        )
    assert sorted(Notification.objects.values_list("kind", flat=True)) == sorted(
        [Kind.HOMEWORK, Kind.CONTROL_WORK, Kind.RECOMMENDATION]
    )
    assert "§ 12, № 3–5" in Notification.objects.get(kind=Kind.HOMEWORK).text
    assert "Обыкновенные дроби" in Notification.objects.get(kind=Kind.CONTROL_WORK).text
    assert not Message.objects.exists()


def test_homework_for_a_whole_class_takes_a_constant_number_of_queries(world, period, today, capture):
    def set_homework(students_count: int) -> int:
        class_unit = f.ClassUnitFactory(school_year=world.year, grade_level=7, letter=f"{students_count}")
        class_of_families(class_unit, students_count)
        f.TeachingAssignmentFactory(teacher=world.teacher, subject=world.math, class_unit=class_unit)
        lesson = f.LessonFactory(class_unit=class_unit, subject=world.math, teacher=world.teacher, date=today)
        with CaptureQueriesContext(connection) as queries, capture(execute=False):
            homework_services.homework_set(lesson=lesson, text="§ 1", by=world.teacher.user)
        return len(queries)

    small, class_of_30 = set_homework(3), set_homework(30)
    assert class_of_30 == small <= 25
    assert Notification.objects.count() == 33 and Message.objects.count() == 66


# --- Absence: the grace period and corrections --------------------------------------------------------------


def sweep_at(capture, moment):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        sweep_outbox()


def test_an_absence_waits_out_the_grace_period_and_is_sent_once_whatever_else_is_marked(
    world, family, lesson, period, capture
):
    second = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=lesson.date, number=2
    )
    with capture(execute=True):
        absent(world, lesson)
        absent(world, second, code="б")
        record_mark(world, second, value=4)
        absent(world, lesson, code="п")

    alert = Notification.objects.get(kind=Kind.ABSENCE)
    grace_end = MONDAY_MORNING + datetime.timedelta(minutes=15)
    assert alert.not_before == grace_end
    assert alert.dedupe_key == f"absence:{world.student.pk}:{lesson.date:%Y-%m-%d}:g{world.parent.pk}"
    assert set(Message.objects.values_list("not_before", flat=True)) == {grace_end}
    assert mail.outbox == [] and locmem.outbox == []

    sweep_at(capture, grace_end - datetime.timedelta(seconds=1))
    assert mail.outbox == []
    sweep_at(capture, grace_end)
    sweep_at(capture, grace_end + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 1 and len(locmem.outbox) == 1
    assert channels_sent() == ["email", "sms"]


def test_the_grace_period_is_the_schools_setting(world, family, lesson, capture):
    NotificationSettings.objects.create(school=world.school, absence_grace_minutes=40)
    with capture(execute=True):
        absent(world, lesson)
    assert Notification.objects.get().not_before == MONDAY_MORNING + datetime.timedelta(minutes=40)


def test_an_absence_corrected_within_the_grace_period_sends_nothing(world, family, lesson, capture, clock):
    with capture(execute=True):
        absent(world, lesson)
    clock.shift(datetime.timedelta(minutes=5))
    with capture(execute=True):
        absent(world, lesson, code="")  # cleared: present after all
    alert = Notification.objects.get()
    assert alert.cancelled_at == timezone.now()
    assert set(Message.objects.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    sweep_at(capture, MONDAY_MORNING + datetime.timedelta(hours=1))
    assert mail.outbox == [] and locmem.outbox == []

    clock.shift(datetime.timedelta(hours=2))  # absent again from a later lesson: announced anew
    later = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=lesson.date, number=4
    )
    with capture(execute=True):
        absent(world, later)
    assert Notification.objects.filter(cancelled_at__isnull=True).count() == 1
    sweep_at(capture, timezone.now() + datetime.timedelta(minutes=15))
    assert len(mail.outbox) == 1 and len(locmem.outbox) == 1


def test_a_correction_that_leaves_another_absence_that_day_cancels_nothing(world, family, lesson, capture):
    second = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=lesson.date, number=2
    )
    with capture(execute=True):
        absent(world, lesson)
        absent(world, second)
        absent(world, lesson, code="о")  # late to the first lesson, still absent from the second
    assert Notification.objects.get().cancelled_at is None
    sweep_at(capture, MONDAY_MORNING + datetime.timedelta(minutes=15))
    assert len(mail.outbox) == 1


def test_a_correction_after_the_grace_period_cancels_nothing(world, family, lesson, capture, clock):
    with capture(execute=True):
        absent(world, lesson)
    sweep_at(capture, MONDAY_MORNING + datetime.timedelta(minutes=15))
    clock.shift(datetime.timedelta(minutes=20))
    with capture(execute=True):
        absent(world, lesson, code="")
    assert Notification.objects.get().cancelled_at is None and len(mail.outbox) == 1


def test_lateness_and_past_lessons_send_no_absence_alert(world, family, lesson, today, capture):
    yesterday = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=today - datetime.timedelta(days=1)
    )
    with capture(execute=True):
        absent(world, lesson, code="о")
        absent(world, yesterday)
    assert not Notification.objects.exists() and not Message.objects.exists()


# --- Quiet hours -----------------------------------------------------------------------------------------------


def test_an_sms_in_the_quiet_hours_waits_for_the_morning_email_does_not(world, family, capture):
    evening = datetime.datetime(2026, 11, 2, 22, 30, tzinfo=MOSCOW)
    morning = datetime.datetime(2026, 11, 3, 8, 0, tzinfo=MOSCOW)
    with time_machine.travel(evening, tick=False), capture(execute=True):
        final_services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=world.math,
            kind="year",
            value="5",
            school_year=world.year,
            class_unit=world.class_5a,
            publish=True,
        )
    assert len(mail.outbox) == 1 and locmem.outbox == []
    assert Message.objects.get(channel="sms").not_before == morning
    sweep_at(capture, morning - datetime.timedelta(minutes=1))
    assert locmem.outbox == []
    sweep_at(capture, morning)
    assert len(locmem.outbox) == 1


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        ("2026-11-02 10:00", "Europe/Moscow", "2026-11-02 10:00"),
        ("2026-11-02 21:00", "Europe/Moscow", "2026-11-03 08:00"),
        ("2026-11-03 00:30", "Europe/Moscow", "2026-11-03 08:00"),
        ("2026-11-03 07:59", "Europe/Moscow", "2026-11-03 08:00"),
        ("2026-11-03 08:00", "Europe/Moscow", "2026-11-03 08:00"),
        ("2026-11-02 22:30", "Asia/Yekaterinburg", "2026-11-03 08:00"),  # 20:30 in Moscow, night in Yekaterinburg
    ],
)
def test_quiet_hours_are_the_schools_own_time(local, zone, expected):
    tz = zoneinfo.ZoneInfo(zone)
    moment = datetime.datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    rules = NotificationSettings()
    assert after_quiet_hours(moment, rules, tz) == datetime.datetime.strptime(expected, "%Y-%m-%d %H:%M").replace(
        tzinfo=tz
    )


def test_quiet_hours_within_a_day_and_none_at_all():
    rules = NotificationSettings(quiet_from=datetime.time(13, 0), quiet_until=datetime.time(15, 0))
    at = datetime.datetime(2026, 11, 2, 14, 0, tzinfo=MOSCOW)
    assert after_quiet_hours(at, rules, MOSCOW) == at.replace(hour=15)
    assert after_quiet_hours(at.replace(hour=16), rules, MOSCOW) == at.replace(hour=16)
    rules.quiet_until = rules.quiet_from
    assert after_quiet_hours(at, rules, MOSCOW) == at


def test_a_withdrawn_consent_stops_new_alerts(world, family, lesson, capture):
    f.record_decision(world.parent, world.student, decision="withdrawal")
    with capture(execute=True):
        absent(world, lesson)
    assert not Notification.objects.exists() and not Message.objects.exists()
