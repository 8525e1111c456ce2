"""What a parent's cabinet shows of their alerts: their own, about the children whose diary they may
read (``access.family_links_with_access_of``), shown once their time has come and not cancelled."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from gradebook import access

from ..models import Notification


def notification_list_for(user) -> QuerySet[Notification]:
    """The user's alerts shown now, newest first (one query, whatever the number of children)."""
    links = access.family_links_with_access_of(user).filter(guardian=OuterRef("guardian"), student=OuterRef("student"))
    return Notification.objects.filter(Exists(links), not_before__lte=timezone.now(), cancelled_at__isnull=True)


def unread_count_for(user) -> int:
    return notification_list_for(user).filter(read_at__isnull=True).count()


def notification_get(user, pk: int) -> Notification:
    """One of the user's alerts shown now, or 404: the same answer for someone else's and a missing one."""
    return get_object_or_404(notification_list_for(user), pk=pk)
