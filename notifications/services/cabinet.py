"""The parent's reading of their alerts: opening one marks it read; "mark all read"."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Notification


@transaction.atomic
def notification_read(*, notification: Notification) -> None:
    """Mark an alert read, once: the first reading's time stays."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)


@transaction.atomic
def notifications_read_all(*, notifications: QuerySet[Notification]) -> int:
    """Mark every unread alert of ``notifications`` (the viewer's, from the selector) read; one query."""
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
