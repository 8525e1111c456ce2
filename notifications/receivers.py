"""Receivers of gradebook's signals: they write notification rows in the sender's transaction.

Each chooses who is concerned and what they read (``alert_texts``), and hands it to ``alerts_write``. Which
events alert at once (urgent: email and SMS whatever the rhythm) and which only the cabinet and the
families who chose alerts as they happen:
- urgent: an absence today (once per student and day, after the grace period), a change to a lesson of
  today or tomorrow, a final or exam result published, a forecast at risk;
- not urgent: a new or changed mark, homework, a change to a later lesson, a control work planned,
  a teacher's recommendation.
Past days stay quiet: a teacher filling in last month's attendance or changes alerts no one.
"""

from __future__ import annotations

import datetime

from django.dispatch import receiver
from django.utils import timezone, translation

from gradebook import signals
from gradebook.models import Attendance
from gradebook.selectors.members import students_on

from . import alert_texts
from .demo import demo_notifications_seed
from .models import Kind
from .services.alerts import FAMILY_LANGUAGE, alerts_cancel, alerts_write, notification_settings_for

LATE = "о"  # the attendance code of a late arrival: the student is at school, no alert
HOMEWORK_DAYS_BACK = 7  # homework set on an older lesson is done by now


def _today(school) -> datetime.date:
    return timezone.localdate(timezone=school.zone)


def _students(owner, on: datetime.date):
    """The students of a lesson's or a control work's class or group on the day, with their school."""
    return students_on(class_unit_id=owner.class_unit_id, study_group_id=owner.study_group_id, on=on).select_related(
        "school"
    )


@receiver(signals.attendance_recorded, dispatch_uid="notifications.attendance_recorded")
def attendance_recorded(sender, entry, lesson, student, **kwargs):
    """An absence from a lesson of today: one alert per student and day, after the grace period. A
    correction that leaves no absence that day, within the grace period, cancels it."""
    if lesson.date != _today(lesson.school):
        return
    key = f"absence:{student.pk}:{lesson.date:%Y-%m-%d}"
    if entry is not None and entry.code != LATE:
        with translation.override(FAMILY_LANGUAGE):
            alert = alert_texts.absence(key=key, student=student, lesson=lesson)
        alerts_write(kind=Kind.ABSENCE, items=[alert], urgent=True)
    elif not Attendance.objects.filter(student=student, date=lesson.date).exclude(code=LATE).exists():
        grace = datetime.timedelta(minutes=notification_settings_for(lesson.school).absence_grace_minutes)
        alerts_cancel(key=key, since=timezone.now() - grace)


@receiver(signals.mark_recorded, dispatch_uid="notifications.mark_recorded")
def mark_recorded(sender, mark, previous, **kwargs):
    """A new mark, or a mark whose value changed (once per value)."""
    if previous == str(mark.value):
        return
    with translation.override(FAMILY_LANGUAGE):
        alert = alert_texts.mark(key=f"mark:{mark.pk}:{mark.value}", student=mark.student, mark=mark, previous=previous)
    alerts_write(kind=Kind.MARK, items=[alert], urgent=False)


@receiver(signals.homework_set, dispatch_uid="notifications.homework_set")
def homework_set(sender, homework, **kwargs):
    """Homework, once per lesson, for every student of the lesson."""
    lesson = homework.lesson
    if lesson.date < _today(lesson.school) - datetime.timedelta(days=HOMEWORK_DAYS_BACK):
        return
    key = f"homework:{homework.pk}"
    with translation.override(FAMILY_LANGUAGE):
        alerts = [
            alert_texts.homework(key=key, student=student, lesson=lesson, text=homework.text)
            for student in _students(lesson, lesson.date)
        ]
    alerts_write(kind=Kind.HOMEWORK, items=alerts, urgent=False)


@receiver(signals.lesson_changed, dispatch_uid="notifications.lesson_changed")
def lesson_changed(sender, lesson, change, **kwargs):
    """A substitution, move, cancellation or extra lesson, for every student of the lesson: urgent when
    it concerns today or tomorrow (a lesson moved from or to one of them)."""
    today = _today(lesson.school)
    days = [day for day in (lesson.date, change.old_date) if day is not None and day >= today]
    if not days:
        return
    key = f"lesson_change:{change.pk}"
    with translation.override(FAMILY_LANGUAGE):
        alerts = [
            alert_texts.lesson_change(key=key, student=student, lesson=lesson, change=change)
            for student in _students(lesson, lesson.date)
        ]
    alerts_write(kind=Kind.LESSON_CHANGE, items=alerts, urgent=min(days) <= today + datetime.timedelta(days=1))


@receiver(signals.control_work_scheduled, dispatch_uid="notifications.control_work_scheduled")
def control_work_scheduled(sender, control_work, **kwargs):
    """A control work planned or moved (once per date and lesson), for the students of its class or group."""
    work = control_work
    if work.date < _today(work.school):
        return
    key = f"control_work:{work.pk}:{work.date:%Y-%m-%d}:{work.number or 0}"
    with translation.override(FAMILY_LANGUAGE):
        alerts = [
            alert_texts.control_work(key=key, student=student, work=work) for student in _students(work, work.date)
        ]
    alerts_write(kind=Kind.CONTROL_WORK, items=alerts, urgent=False)


@receiver(signals.recommendation_written, dispatch_uid="notifications.recommendation_written")
def recommendation_written(sender, recommendation, **kwargs):
    with translation.override(FAMILY_LANGUAGE):
        alert = alert_texts.recommendation(
            key=f"recommendation:{recommendation.pk}", student=recommendation.student, recommendation=recommendation
        )
    alerts_write(kind=Kind.RECOMMENDATION, items=[alert], urgent=False)


@receiver(signals.final_published, dispatch_uid="notifications.final_published")
def final_published(sender, final, **kwargs):
    """A final or exam result, announced at once; a change published again is announced again."""
    key = f"final:{final.pk}:{final.published_at:%Y%m%d%H%M%S%f}"
    with translation.override(FAMILY_LANGUAGE):
        alert = alert_texts.final(key=key, student=final.student, final=final)
    alerts_write(kind=Kind.FINAL, items=[alert], urgent=True)


@receiver(signals.forecast_at_risk, dispatch_uid="notifications.forecast_at_risk")
def forecast_at_risk(sender, student, subject, period, forecast, **kwargs):
    """A forecast at risk, once per projected value (a 2, then н/а, are two alerts)."""
    key = f"risk:{student.pk}:{subject.pk}:{period.pk}:{forecast.projected}"
    with translation.override(FAMILY_LANGUAGE):
        alert = alert_texts.forecast_risk(key=key, student=student, subject=subject, period=period, forecast=forecast)
    alerts_write(kind=Kind.FORECAST, items=[alert], urgent=True)


@receiver(signals.demo_school_seeded, dispatch_uid="notifications.demo_school_seeded")
def add_demo_notifications(sender, *, school, today, **kwargs):
    demo_notifications_seed(school=school, today=today)
