"""Daily and weekly digests: for a chunk of a school's guardians, each one's digest of the day, once.

``digests_build`` writes, in one transaction, a ``Digest`` row per guardian (unique per guardian, rhythm
and day: a rerun finds it and builds nothing), the email (plain text and HTML, in Russian) to the
guardian's address about the children they get by email, a one-line SMS about those they get by SMS,
and, in the weekly digest, a cabinet alert per child asking to confirm the week's reading. The messages
go through the outbox (their keys are the guardian's, the rhythm's and the day's): a worker killed in
the middle loses nothing and sends nothing twice. A daily digest with nothing to tell sends nothing
(its ``Digest`` row still records that the day was done).

The queries do not grow with the number of families (``selectors.digest_families``,
``selectors.digest_content``): the tasks give chunks of ``CHUNK_SIZE`` guardians.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ediary.outbox import outbox_add
from ediary.sms import sms_segments
from gradebook.models import School

from ..models import Digest, Kind, Message, Notification, NotificationSettings
from ..selectors.digest_content import ChildDigest, ahead_span, digest_content
from ..selectors.digest_families import Recipient, digest_guardian_ids, digest_recipients
from .alerts import FAMILY_LANGUAGE, after_quiet_hours, notification_settings_for, site_url, sms_fit
from .read_confirmations import monday_of, read_confirm_url
from .unsubscribe import unsubscribe_url

CHUNK_SIZE = 200
SMS_SEGMENTS = 1
# The hourly check sends a school's digests from its time (``NotificationSettings.daily_digest_at``) for this
# long: a beat or a broker that was down for an hour delays them, never loses them.
DISPATCH_WINDOW = datetime.timedelta(hours=3)


def digest_week_start(day: datetime.date) -> datetime.date:
    """The week a weekly digest of ``day`` asks to confirm: the one holding most of the seven days it
    tells (sent from Thursday to Sunday, this week; from Monday to Wednesday, the last one)."""
    return monday_of(day - datetime.timedelta(days=3))


@dataclass(frozen=True)
class ChildSection:
    """A child's part of a guardian's email: the digest and the child's links."""

    digest: ChildDigest
    diary_url: str
    unsubscribe_url: str
    read_confirm_url: str


def digest_day_due(rules: NotificationSettings, *, rhythm: str, now: datetime.datetime, zone) -> datetime.date | None:
    """The school's date whose digests of that rhythm are due at ``now``, or None: from the digest time
    (on the weekly digest's weekday, for the weekly one) for ``DISPATCH_WINDOW``, in the school's time zone."""
    local = now.astimezone(zone)
    for day in (local.date(), local.date() - datetime.timedelta(days=1)):
        if rhythm == Digest.Rhythm.WEEKLY and day.isoweekday() != rules.weekly_digest_weekday:
            continue
        moment = datetime.datetime.combine(day, rules.daily_digest_at, tzinfo=zone)
        if moment <= local < moment + DISPATCH_WINDOW:
            return day
    return None


def digests_due(*, rhythm: str, now: datetime.datetime) -> list[tuple[School, datetime.date]]:
    """The schools whose digests of that rhythm are due now, with their date (two queries)."""
    rules = {row.school_id: row for row in NotificationSettings.objects.all()}
    due = []
    for school in School.objects.order_by("pk"):
        day = digest_day_due(
            rules.get(school.pk) or NotificationSettings(school=school), rhythm=rhythm, now=now, zone=school.zone
        )
        if day is not None:
            due.append((school, day))
    return due


def digest_chunks(*, school: School, rhythm: str, day: datetime.date) -> list[list[int]]:
    """The guardians still waiting for that day's digest, in chunks of ``CHUNK_SIZE`` (one query)."""
    ids = digest_guardian_ids(school=school, rhythm=rhythm, day=day)
    return [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]


@transaction.atomic
def digests_build(
    *, school: School, rhythm: str, day: datetime.date, guardian_ids: list[int], now: datetime.datetime | None = None
) -> int:
    """Build the digests of these guardians for ``day`` (the school's date) and hand their messages to the
    delivery task after the commit. Returns how many digests were written now."""
    from ..tasks import deliver_message  # the task modules import the services

    now = now or timezone.now()
    recipients = digest_recipients(school=school, rhythm=rhythm, day=day, guardian_ids=guardian_ids, now=now)
    if not recipients:
        return 0
    content = digest_content(recipients=recipients, rhythm=rhythm, day=day, now=now)
    Digest.objects.bulk_create(
        [
            Digest(
                school=school,
                guardian=recipient.guardian,
                rhythm=rhythm,
                covers_from=min(timezone.localdate(recipient.since, timezone=school.zone), day),
                covers_until=day,
            )
            for recipient in recipients
        ],
        ignore_conflicts=True,
    )
    digests = {
        digest.guardian_id: digest
        for digest in Digest.objects.filter(
            guardian_id__in=[r.guardian.pk for r in recipients], rhythm=rhythm, covers_until=day
        )
    }
    sms_from = after_quiet_hours(now, notification_settings_for(school), school.zone)
    messages, alerts = [], []
    with translation.override(FAMILY_LANGUAGE):
        for recipient in recipients:
            digest = digests[recipient.guardian.pk]
            messages += _messages(recipient, digest, content, school=school, now=now, sms_from=sms_from)
            alerts += _cabinet_alerts(recipient, digest, content, school=school, now=now)
    if alerts:
        Notification.objects.bulk_create(alerts, ignore_conflicts=True)
    outbox_add(Message, messages, task=deliver_message)
    return len(recipients)


def _key(digest: Digest, channel: str) -> str:
    return f"digest:{digest.rhythm}:{digest.covers_until.isoformat()}:g{digest.guardian_id}:{channel}"


def _messages(recipient: Recipient, digest: Digest, content, *, school, now, sms_from) -> list[Message]:
    messages = []
    common = {"school": school, "guardian": recipient.guardian, "digest": digest}
    weekly = digest.rhythm == Digest.Rhythm.WEEKLY
    by_email = [content[recipient.guardian.pk, student.pk] for student in recipient.by_email]
    if by_email and (weekly or any(not child.is_empty for child in by_email)):
        subject, text, html = _email(recipient, digest, by_email, school=school)
        messages.append(
            Message(
                **common,
                # About one child, the email names it: its List-Unsubscribe header then unsubscribes in one
                # click (RFC 8058); about several, each child's link is in the text.
                student=recipient.by_email[0] if len(recipient.by_email) == 1 else None,
                channel=Message.Channel.EMAIL,
                dedupe_key=_key(digest, Message.Channel.EMAIL),
                to=recipient.email,
                subject=subject,
                text=text,
                html=html,
                not_before=now,
            )
        )
    by_sms = [content[recipient.guardian.pk, student.pk] for student in recipient.by_sms]
    if by_sms and any(not child.is_empty for child in by_sms):
        text = sms_fit(_sms_text(digest, by_sms), SMS_SEGMENTS)
        messages.append(
            Message(
                **common,
                channel=Message.Channel.SMS,
                dedupe_key=_key(digest, Message.Channel.SMS),
                to=recipient.phone,
                text=text,
                segments=sms_segments(text),
                not_before=sms_from,
            )
        )
    return messages


def _email(recipient: Recipient, digest: Digest, children: list[ChildDigest], *, school) -> tuple[str, str, str]:
    weekly = digest.rhythm == Digest.Rhythm.WEEKLY
    guardian = recipient.guardian
    week_start = digest_week_start(digest.covers_until)
    sections = [
        ChildSection(
            digest=child,
            diary_url=site_url(reverse("gradebook:diary-week", kwargs={"public_id": child.student.public_id})),
            unsubscribe_url=unsubscribe_url(guardian, child.student),
            read_confirm_url=read_confirm_url(guardian, child.student, week_start) if weekly else "",
        )
        for child in children
    ]
    first, last = ahead_span(digest.rhythm, digest.covers_until)
    context = {
        "school": school,
        "digest": digest,
        "weekly": weekly,
        "sections": sections,
        "ahead_first": first,
        "ahead_last": last,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "cabinet_url": site_url(reverse("notifications:notification-list")),
        "preferences_url": site_url(reverse("consent:family-preferences")),
    }
    subject = " ".join(render_to_string("notifications/email/digest_subject.txt", context).split())
    return (
        subject[:200],
        render_to_string("notifications/email/digest.txt", context),
        render_to_string("notifications/email/digest.html", context),
    )


def _sms_text(digest: Digest, children: list[ChildDigest]) -> str:
    """One line for every child together: "Дневник 12.03: 3 новые отметки, 4 задания на завтра, 1 предмет
    под угрозой. Подробнее в кабинете." """
    return _("Diary %(date)s: %(summary)s. Details in the cabinet.") % {
        "date": digest.covers_until.strftime("%d.%m"),
        "summary": _summary(digest, children),
    }


def _summary(digest: Digest, children: list[ChildDigest]) -> str:
    marks = sum(len(child.marks) for child in children)
    homework = sum(len(child.homework) for child in children)
    risks = sum(len(child.at_risk) for child in children)
    parts = [ngettext("%(count)s new mark", "%(count)s new marks", marks) % {"count": marks}]
    if digest.rhythm == Digest.Rhythm.WEEKLY:
        parts.append(ngettext("%(count)s homework", "%(count)s homework", homework) % {"count": homework})
    else:
        parts.append(
            ngettext("%(count)s homework for tomorrow", "%(count)s homework for tomorrow", homework)
            % {"count": homework}
        )
    if risks:
        parts.append(ngettext("%(count)s subject at risk", "%(count)s subjects at risk", risks) % {"count": risks})
    return ", ".join(parts)


def _cabinet_alerts(recipient: Recipient, digest: Digest, content, *, school, now) -> list[Notification]:
    """The weekly digest in the cabinet: per child, an alert that leads to the week's reading confirmation."""
    if digest.rhythm != Digest.Rhythm.WEEKLY:
        return []
    week_start = digest_week_start(digest.covers_until)
    alerts = []
    for student in recipient.in_cabinet:
        child = content[recipient.guardian.pk, student.pk]
        alerts.append(
            Notification(
                school=school,
                guardian=recipient.guardian,
                student=student,
                kind=Kind.DIGEST,
                dedupe_key=f"digest:weekly:{digest.covers_until.isoformat()}:g{recipient.guardian.pk}:s{student.pk}",
                title=_("%(name)s: the week's diary, %(first)s–%(last)s")
                % {
                    "name": student.name,
                    "first": week_start.strftime("%d.%m"),
                    "last": (week_start + datetime.timedelta(days=6)).strftime("%d.%m"),
                },
                text=_("This week: %(summary)s. Confirm that you have read the week's diary.")
                % {"summary": _summary(digest, [child])},
                url=reverse("notifications:week-confirm", kwargs={"public_id": student.public_id}),
                not_before=now,
            )
        )
    return alerts
