"""The outbox: one mechanism for everything ediary delivers (notifications' messages, exchange's
webhooks). Each app keeps its own table, a subclass of ``OutboxItem``, and uses these helpers:

- ``outbox_add(model, items)`` writes rows in the caller's transaction, skipping any whose
  de-duplication key already exists, and hands the due ones to Celery after commit;
- the app's periodic sweep hands over whatever is still waiting (``outbox_due``): Redis was down, a
  worker died, or a row's ``not_before`` came;
- the task claims a row (``outbox_claim``) before it sends, so that two workers never send one row,
  then records the outcome (``outbox_sent``, ``outbox_retry``, ``outbox_failed``).

Delays — a grace period, quiet hours, a retry's backoff — are ``not_before``, never a Celery countdown
or ETA: eager mode ignores those, and Redis redelivers long ETAs. A claim is a lease: a row claimed by
a worker that died is claimed again once the lease runs out.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 6
# The wait before attempt n + 1: 1, 4, 16, 64 minutes, then 4 hours.
BACKOFF_MINUTES = (1, 4, 16, 64, 240)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class OutboxItem(models.Model):
    """A delivery waiting to be made: once, at or after ``not_before``, retried with backoff."""

    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


def _due(now: datetime.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, not_before__lte=now) | Q(status=OutboxStatus.SENDING, claimed_until__lt=now)


def outbox_add(model: type[OutboxItem], items: Iterable[OutboxItem], *, task) -> list[int]:
    """Write rows (those whose key exists already are skipped) and hand the due ones to ``task``
    after the transaction commits. Returns the ids of the rows written now or found pending."""
    items = list(items)
    if not items:
        return []
    model.objects.bulk_create(items, ignore_conflicts=True)
    keys = [item.dedupe_key for item in items]
    now = timezone.now()
    due = list(
        model.objects.filter(dedupe_key__in=keys, status=OutboxStatus.PENDING, not_before__lte=now).values_list(
            "pk", flat=True
        )
    )
    if due:
        transaction.on_commit(partial(outbox_hand_over, task, due))
    return due


def outbox_hand_over(task, ids: Iterable[int]) -> int:
    """Queue one task per row; when the broker is down, leave the rows to the sweep. Returns how many
    were queued."""
    queued = 0
    for pk in ids:
        try:
            task.apply_async(args=[pk], retry=False)
        except Exception:  # the broker is unreachable: the periodic sweep hands the row over later
            logger.warning("outbox: could not queue %s %s; the sweep will", task.name, pk, exc_info=True)
            return queued
        queued += 1
    return queued


def outbox_due(model: type[OutboxItem], *, now: datetime.datetime | None = None, limit: int = 1000) -> list[int]:
    """Rows waiting to be handed over: pending and due, or claimed by a worker whose lease ran out."""
    now = now or timezone.now()
    return list(model.objects.filter(_due(now)).order_by("not_before", "pk").values_list("pk", flat=True)[:limit])


def outbox_claim(model: type[OutboxItem], pk: int, *, now: datetime.datetime | None = None) -> OutboxItem | None:
    """Take a row for sending, or None when it is not due, already sent, or another worker holds it."""
    now = now or timezone.now()
    claimed = model.objects.filter(_due(now), pk=pk).update(
        status=OutboxStatus.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1
    )
    return model.objects.get(pk=pk) if claimed else None


def outbox_sent(item: OutboxItem) -> None:
    item.status, item.sent_at, item.claimed_until, item.last_error = OutboxStatus.SENT, timezone.now(), None, ""
    item.save(update_fields=["status", "sent_at", "claimed_until", "last_error"])


def outbox_failed(item: OutboxItem, error: str) -> None:
    """A permanent failure: recorded, shown to staff, never retried."""
    item.status, item.claimed_until, item.last_error = OutboxStatus.FAILED, None, error[:500]
    item.save(update_fields=["status", "claimed_until", "last_error"])


def outbox_retry(item: OutboxItem, error: str) -> None:
    """A passing failure: try again after the backoff, or fail for good after ``MAX_ATTEMPTS``."""
    if item.attempts >= MAX_ATTEMPTS:
        outbox_failed(item, error)
        return
    wait = BACKOFF_MINUTES[min(item.attempts, len(BACKOFF_MINUTES)) - 1]
    item.status, item.claimed_until, item.last_error = OutboxStatus.PENDING, None, error[:500]
    item.not_before = timezone.now() + datetime.timedelta(minutes=wait)
    item.save(update_fields=["status", "claimed_until", "last_error", "not_before"])


def outbox_cancel(queryset) -> int:
    """Cancel rows not yet sent (an absence corrected within its grace period)."""
    return queryset.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.CANCELLED)
