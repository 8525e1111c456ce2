"""Event alerts: one journal event about some students becomes, for each of their current guardians, a
cabinet ``Notification`` and the ``Message`` rows (email, SMS) that announce it, each once.

Who gets what (``alerts_write``):
- the guardians with an unrestricted link to the student today (``Guardianship.objects.unrestricted``);
- a cabinet alert when ``consent.delivery_for`` allows the cabinet;
- an email and an SMS when the channel is allowed, the guardian has a deliverable contact of that kind (the
  first verified, not bouncing, by age), and the event is urgent or the guardian chose alerts as they happen
  (``DeliveryPreference.rhythm``). Other events wait for the daily or weekly digest, built from the journal.

When: at once, except an absence, which waits out the school's grace period (a correction within it cancels
it: ``alerts_cancel``), and an SMS in the school's quiet hours, which waits for their end (the school's time
zone). Delays are the rows' ``not_before``; the sweep hands them over when they come.

Each row's de-duplication key is the event's key plus the guardian (``<event>:g<id>``, then ``:email`` or
``:sms``): writing an event twice writes nothing the second time. The queries do not grow with the number of
students or guardians: about a dozen whatever the class.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consent.delivery import CABINET, EMAIL, SMS, delivery_for_many
from consent.models import ContactPoint, DeliveryPreference, Rhythm
from ediary.outbox import OutboxStatus, outbox_add, outbox_cancel
from ediary.sms import sms_segments
from gradebook.models import Guardianship, School, Student

from ..models import Kind, Message, Notification, NotificationSettings
from ..tasks import deliver_message
from .unsubscribe import unsubscribe_url

FAMILY_LANGUAGE = "ru"
SMS_MAX_SEGMENTS = 2
CANCELLED_MARK = "~"  # a cancelled row's key gets "~<id>": the same event written again is written anew


@dataclass(frozen=True)
class Alert:
    """One event about one student, as the family reads it (texts already in the family's language)."""

    student: Student
    key: str  # the event: "mark:17:5", "absence:3:2026-11-02"
    title: str  # the cabinet's title and the email's subject
    text: str  # the cabinet's text and the email's body
    sms: str  # the SMS: short, no personal data beyond the child's first name
    url: str  # the page of the portal that shows it (a path)


def notification_settings_for(school: School) -> NotificationSettings:
    """The school's settings, or the defaults when it has none (nothing is written)."""
    return NotificationSettings.objects.filter(school=school).first() or NotificationSettings(school=school)


def after_quiet_hours(moment: datetime.datetime, rules: NotificationSettings, zone) -> datetime.datetime:
    """``moment``, or the end of the SMS quiet hours when it falls in them (in the school's time zone)."""
    start, end = rules.quiet_from, rules.quiet_until
    local = moment.astimezone(zone)
    at = local.time()
    quiet = (start <= at < end) if start < end else (at >= start or at < end)
    if start == end or not quiet:
        return moment
    day = local.date() if at < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone)


def sms_fit(text: str, segments: int = SMS_MAX_SEGMENTS) -> str:
    """The text shortened (with an ellipsis) to fit in ``segments`` SMS."""
    text = " ".join(text.split())
    while sms_segments(text) > segments:
        text = text[: -max(2, len(text) // 20)].rstrip(" ,.;:—-") + "…"
    return text


def site_url(path: str) -> str:
    return settings.EDIARY_SITE_URL.rstrip("/") + path


def _render_email(alert: Alert, school: School, guardian) -> tuple[str, str]:
    context = {
        "school": school,
        "alert": alert,
        "link": site_url(alert.url) if alert.url else "",
        "unsubscribe": unsubscribe_url(guardian, alert.student),
    }
    with translation.override(FAMILY_LANGUAGE):
        return (
            render_to_string("notifications/email/alert.txt", context),
            render_to_string("notifications/email/alert.html", context),
        )


def _contacts(guardian_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The first deliverable email and phone of each guardian: {(guardian id, kind): address}."""
    first: dict[tuple[int, str], str] = {}
    rows = (
        ContactPoint.objects.deliverable()
        .filter(guardian_id__in=guardian_ids)
        .order_by("pk")
        .values_list("guardian_id", "kind", "email", "phone")
    )
    for guardian_id, kind, email, phone in rows:
        first.setdefault((guardian_id, kind), email if kind == ContactPoint.Kind.EMAIL else phone.as_e164)
    return first


@transaction.atomic
def alerts_write(*, kind: str, items: Iterable[Alert], urgent: bool) -> None:
    """Write the alerts of one school's event(s) for every current guardian of each item's student, and
    hand the messages due now to the delivery task after the commit."""
    items = list(items)
    if not items:
        return
    school = items[0].student.school
    now = timezone.now()
    today = timezone.localdate(now, timezone=school.zone)
    links = Guardianship.objects.unrestricted(today).filter(student__in={item.student.pk for item in items})
    guardians = defaultdict(dict)
    for link in links.select_related("guardian"):
        guardians[link.student_id][link.guardian_id] = link.guardian
    pairs = [(guardian_id, student_id) for student_id, of in guardians.items() for guardian_id in of]
    if not pairs:
        return
    channels = delivery_for_many(pairs)
    guardian_ids = {guardian_id for guardian_id, _student_id in pairs}
    student_ids = set(guardians)
    rhythms = {
        (guardian_id, student_id): rhythm
        for guardian_id, student_id, rhythm in DeliveryPreference.objects.filter(
            guardian_id__in=guardian_ids, student_id__in=student_ids
        ).values_list("guardian_id", "student_id", "rhythm")
    }
    contacts = _contacts(guardian_ids)
    rules = notification_settings_for(school)
    shown_from = now + datetime.timedelta(minutes=rules.absence_grace_minutes) if kind == Kind.ABSENCE else now
    sms_from = after_quiet_hours(shown_from, rules, school.zone)

    notifications, messages, announces = [], [], []  # announces[i]: the key of the alert messages[i] announces
    for alert in items:
        for guardian_id, guardian in guardians.get(alert.student.pk, {}).items():
            allowed = channels[(guardian_id, alert.student.pk)]
            key = f"{alert.key}:g{guardian_id}"
            common = {"school": school, "guardian": guardian}
            if CABINET in allowed:
                notifications.append(
                    Notification(
                        **common,
                        student=alert.student,
                        kind=kind,
                        dedupe_key=key,
                        title=alert.title[:200],
                        text=alert.text,
                        url=alert.url,
                        not_before=shown_from,
                    )
                )
            if not urgent and rhythms.get((guardian_id, alert.student.pk), Rhythm.DAILY) != Rhythm.IMMEDIATE:
                continue
            email = contacts.get((guardian_id, ContactPoint.Kind.EMAIL))
            if EMAIL in allowed and email:
                text, html = _render_email(alert, school, guardian)
                messages.append(
                    Message(
                        **common,
                        student=alert.student,
                        channel=Message.Channel.EMAIL,
                        dedupe_key=f"{key}:email",
                        to=email,
                        subject=alert.title[:200],
                        text=text,
                        html=html,
                        not_before=shown_from,
                    )
                )
                announces.append(key)
            phone = contacts.get((guardian_id, ContactPoint.Kind.PHONE))
            if SMS in allowed and phone:
                messages.append(
                    Message(
                        **common,
                        student=alert.student,
                        channel=Message.Channel.SMS,
                        dedupe_key=f"{key}:sms",
                        to=phone,
                        text=alert.sms,
                        segments=sms_segments(alert.sms),
                        not_before=sms_from,
                    )
                )
                announces.append(key)
    if notifications:
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    if messages:
        written = dict(Notification.objects.filter(dedupe_key__in=announces).values_list("dedupe_key", "pk"))
        for message, key in zip(messages, announces, strict=True):
            message.notification_id = written.get(key)
        outbox_add(Message, messages, task=deliver_message)


def _mark_cancelled(queryset) -> int:
    return queryset.update(
        dedupe_key=Concat(F("dedupe_key"), Value(CANCELLED_MARK), Cast("pk", output_field=CharField()))
    )


@transaction.atomic
def alerts_cancel(*, key: str, since: datetime.datetime) -> int:
    """Cancel the alerts of the event ``key`` written after ``since`` and not shown or sent yet: the cabinet
    alerts (``cancelled_at``) and their pending messages. Their keys are set aside, so that the event, if it
    happens again, is announced again. Returns how many cabinet alerts and messages were cancelled."""
    now = timezone.now()
    prefix = f"{key}:g"
    alerts = Notification.objects.filter(
        dedupe_key__startswith=prefix, cancelled_at__isnull=True, created_at__gt=since, not_before__gt=now
    ).exclude(dedupe_key__contains=CANCELLED_MARK)
    cancelled = alerts.update(cancelled_at=now)
    messages = Message.objects.filter(dedupe_key__startswith=prefix, created_at__gt=since).exclude(
        dedupe_key__contains=CANCELLED_MARK
    )
    cancelled += outbox_cancel(messages)
    _mark_cancelled(
        Notification.objects.filter(dedupe_key__startswith=prefix, cancelled_at__isnull=False).exclude(
            dedupe_key__contains=CANCELLED_MARK
        )
    )
    _mark_cancelled(messages.filter(status=OutboxStatus.CANCELLED))
    return cancelled
