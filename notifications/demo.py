"""The demo school's cabinet alerts, added when gradebook announces the school was built (after consent's
part, which decides who may be told electronically).

Each demo login's family finds in its cabinet the alerts of the last school days: the children's latest
marks and the finals of the period that ended, the oldest already read. Only cabinet alerts: the demo
sends no email or SMS while it is built. Most families confirmed reading the last weeks' diary (from the
weekly email); one in four has read nothing for weeks, for the class teacher's list.
"""

import datetime
from collections import defaultdict

from django.utils import timezone, translation

from gradebook.models import FinalMark, Guardianship, Mark
from gradebook.services.demo.journal import given_timestamps

from . import alert_texts
from .models import Kind, Notification, ReadConfirmation
from .services.alerts import FAMILY_LANGUAGE

MARKS_PER_CHILD = 6
FINALS_PER_CHILD = 3
UNREAD = 4  # the newest alerts of each child stay unread


def demo_notifications_seed(*, school, today: datetime.date) -> int:
    links = list(
        Guardianship.objects.with_access(today)
        .filter(guardian__school=school, guardian__user__isnull=False)
        .select_related("guardian", "student")
    )
    now = timezone.now()
    students = {link.student_id for link in links}
    marks, finals = defaultdict(list), defaultdict(list)
    # Three queries for all the demo families: their children's marks and finals, newest first.
    for mark in (
        Mark.objects.filter(student_id__in=students, date__lte=today)
        .select_related("lesson__subject", "work_type")
        .order_by("-date", "-pk")
    ):
        if len(marks[mark.student_id]) < MARKS_PER_CHILD:
            marks[mark.student_id].append(mark)
    for final in (
        FinalMark.objects.published(now)
        .filter(student_id__in=students)
        .select_related("subject", "period")
        .order_by("-published_at", "subject__name")
    ):
        if len(finals[final.student_id]) < FINALS_PER_CHILD:
            finals[final.student_id].append(final)
    rows = []
    with translation.override(FAMILY_LANGUAGE):
        for link in links:
            alerts = [
                (
                    Kind.MARK,
                    alert_texts.mark(key=f"mark:{m.pk}:{m.value}", student=link.student, mark=m, previous=""),
                    m.created_at,
                )
                for m in marks[link.student_id]
            ] + [
                (
                    Kind.FINAL,
                    alert_texts.final(
                        key=f"final:{x.pk}:{x.published_at:%Y%m%d%H%M%S%f}", student=link.student, final=x
                    ),
                    x.published_at,
                )
                for x in finals[link.student_id]
            ]
            alerts.sort(key=lambda item: item[2], reverse=True)
            for position, (kind, alert, at) in enumerate(alerts):
                rows.append(
                    Notification(
                        school=school,
                        guardian=link.guardian,
                        student=link.student,
                        kind=kind,
                        dedupe_key=f"{alert.key}:g{link.guardian_id}",
                        title=alert.title,
                        text=alert.text,
                        url=alert.url,
                        not_before=min(at, now),
                        read_at=None if position < UNREAD else at + datetime.timedelta(hours=3),
                    )
                )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    read_confirmations_seed(school=school, today=today)
    return len(rows)


def read_confirmations_seed(*, school, today: datetime.date) -> None:
    """The weekly "I have read the diary" of three families in four, for the last three weeks (the current
    one only for every other family), deterministic by the guardian's id."""
    monday = today - datetime.timedelta(days=today.weekday())
    links = Guardianship.objects.with_access(today).filter(guardian__school=school).select_related("guardian")
    rows = []
    for link in links:
        if link.guardian_id % 4 == 0:
            continue
        weeks = [monday - datetime.timedelta(weeks=n) for n in (1, 2, 3)]
        if link.guardian_id % 2:
            weeks.append(monday)
        for week in weeks:
            confirmed = timezone.make_aware(
                datetime.datetime.combine(week + datetime.timedelta(days=5), datetime.time(20))
            )
            rows.append(
                ReadConfirmation(
                    guardian_id=link.guardian_id,
                    student_id=link.student_id,
                    week_start=week,
                    user_id=link.guardian.user_id,
                    confirmed_at=min(confirmed, timezone.now()),
                )
            )
    with given_timestamps(ReadConfirmation):
        ReadConfirmation.objects.bulk_create(rows, ignore_conflicts=True)
