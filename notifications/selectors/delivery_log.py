"""What the school's staff read of deliveries: a family's log (every alert and every email or SMS, with
its status) and the school's counts, permanent failures and bouncing email addresses.

The schools and guardians come from the access policy (``schools_served_by``, ``get_served_guardian``);
every read here is a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from consent.models import ContactPoint
from ediary.outbox import OutboxStatus
from gradebook.models import Guardian, School

from ..models import Message, Notification

BOUNCING_SHOWN = 100


def family_messages(guardian: Guardian) -> QuerySet[Message]:
    """Every email and SMS to the guardian, newest first, with what each announced."""
    return Message.objects.filter(guardian=guardian).select_related("notification__student", "student", "digest")


def family_notifications(guardian: Guardian) -> QuerySet[Notification]:
    """Every alert written for the guardian's cabinet: waiting, shown, read or cancelled."""
    return Notification.objects.filter(guardian=guardian).select_related("student")


@dataclass(frozen=True)
class CountRow:
    channel: str
    status: str
    today: int
    week: int


def _day_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def message_counts(schools: QuerySet[School], *, now: datetime.datetime | None = None) -> list[CountRow]:
    """Emails and SMS written today and in the last 7 days (today included), per channel and status:
    every combination, zeros too, in a fixed order (one query)."""
    today = _day_start(now or timezone.now())
    since = today - datetime.timedelta(days=6)
    found = {
        (row["channel"], row["status"]): row
        for row in Message.objects.filter(school__in=schools, created_at__gte=since)
        .values("channel", "status")
        .annotate(today=Count("pk", filter=Q(created_at__gte=today)), week=Count("pk"))
        .order_by()
    }
    rows = []
    for channel, channel_label in Message.Channel.choices:
        for status, status_label in OutboxStatus.choices:
            row = found.get((channel, status), {})
            rows.append(CountRow(channel_label, status_label, row.get("today", 0), row.get("week", 0)))
    return rows


def alert_counts(schools: QuerySet[School], *, now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    """Cabinet alerts written today and in the last 7 days: all, read, cancelled (one query)."""
    today = _day_start(now or timezone.now())
    since = today - datetime.timedelta(days=6)
    is_today = Q(created_at__gte=today)
    counts = Notification.objects.filter(school__in=schools, created_at__gte=since).aggregate(
        written_today=Count("pk", filter=is_today),
        written_week=Count("pk"),
        read_today=Count("pk", filter=is_today & Q(read_at__isnull=False)),
        read_week=Count("pk", filter=Q(read_at__isnull=False)),
        cancelled_today=Count("pk", filter=is_today & Q(cancelled_at__isnull=False)),
        cancelled_week=Count("pk", filter=Q(cancelled_at__isnull=False)),
    )
    return {
        what: {"today": counts[f"{what}_today"], "week": counts[f"{what}_week"]}
        for what in ("written", "read", "cancelled")
    }


def permanent_failures(schools: QuerySet[School]) -> QuerySet[Message]:
    """Messages that failed for good (never retried), newest first."""
    return Message.objects.filter(school__in=schools, status=OutboxStatus.FAILED).select_related("guardian__school")


def bouncing_emails(schools: QuerySet[School]) -> QuerySet[ContactPoint]:
    """Email addresses in use that a mail server refused: no email goes there until verified again."""
    return (
        ContactPoint.objects.active()
        .filter(kind=ContactPoint.Kind.EMAIL, bouncing_at__isnull=False, guardian__school__in=schools)
        .select_related("guardian__school")
        .order_by("-bouncing_at", "pk")
    )


def guardian_search(guardians: QuerySet[Guardian], query: str, *, limit: int = 20) -> list[Guardian]:
    """Guardians whose surname (or surname and name) starts with the query: the way to a family's log."""
    words = query.split()
    if not words:
        return []
    found = guardians.filter(surname__istartswith=words[0])
    if len(words) > 1:
        found = found.filter(name__istartswith=words[1])
    return list(found.select_related("school").order_by("surname", "name", "patronymic", "pk")[:limit])
