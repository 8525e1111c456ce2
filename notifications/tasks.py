"""notifications' Celery tasks: delivering one message, and the sweep of the outbox (run by beat every
minute, ``CELERY_BEAT_SCHEDULE``).

``deliver_message`` is idempotent: it claims the row first (``outbox_claim``), so a message queued twice
(after the commit and by the sweep) or redelivered by Redis is sent once. Before sending it asks again
whether it may: the alert was not cancelled meanwhile, consent and the family's choice still allow the
channel, and the address is still a deliverable contact of the guardian. Otherwise the message is cancelled.

Outcomes: sent; a permanent failure is recorded (``failed``, shown to staff) and a bouncing email address
is flagged in consent; any other error is retried with backoff (``outbox_retry``); an SMS over the
gateway's rate limit is handed back, without counting an attempt, to the next sweep.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from consent.delivery import delivery_for_many
from consent.models import ContactPoint
from consent.services.contacts import contact_flag_bouncing
from ediary.outbox import (
    OutboxStatus,
    outbox_claim,
    outbox_due,
    outbox_failed,
    outbox_hand_over,
    outbox_retry,
    outbox_sent,
)
from ediary.sms.backends.base import SmsRateLimited
from gradebook.models import Guardianship

from .channels import SENDERS, PermanentFailure
from .models import Message

logger = logging.getLogger(__name__)

RATE_LIMITED_WAIT = datetime.timedelta(seconds=5)


def _obstacle(message: Message) -> str:
    """Why the message must not leave now ("" when it may)."""
    if message.notification_id and message.notification.cancelled_at is not None:
        return "the alert was cancelled"
    today = timezone.localdate(timezone=message.school.zone)
    students = set(
        Guardianship.objects.unrestricted(today)
        .filter(guardian_id=message.guardian_id)
        .values_list("student_id", flat=True)
    )
    if message.student_id:
        students &= {message.student_id}
    channels = delivery_for_many([(message.guardian_id, student_id) for student_id in students])
    if not any(message.channel in allowed for allowed in channels.values()):
        return "consent or the family's choice no longer allows this channel"
    contacts = ContactPoint.objects.deliverable().filter(guardian_id=message.guardian_id)
    if message.channel == Message.Channel.EMAIL:
        contacts = contacts.filter(kind=ContactPoint.Kind.EMAIL, email__iexact=message.to)
    else:
        contacts = contacts.filter(kind=ContactPoint.Kind.PHONE, phone=message.to)
    if not contacts.exists():
        return "the address is no longer a deliverable contact of the guardian"
    return ""


def _cancel(message: Message, reason: str) -> None:
    message.status, message.claimed_until, message.last_error = OutboxStatus.CANCELLED, None, reason
    message.save(update_fields=["status", "claimed_until", "last_error"])


def _hand_back(message: Message) -> None:
    """Not sent and not failed (the rate limit): pending again a little later, the attempt not counted."""
    Message.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.PENDING,
        claimed_until=None,
        attempts=F("attempts") - 1,
        not_before=timezone.now() + RATE_LIMITED_WAIT,
    )


@shared_task(name="notifications.deliver_message", ignore_result=True, soft_time_limit=60, time_limit=90)
def deliver_message(message_id: int) -> str:
    """Send one message of the outbox; returns what became of it."""
    message = outbox_claim(Message, message_id)
    if message is None:
        return "not due"  # sent, cancelled, not yet due, or another worker holds it
    obstacle = _obstacle(message)
    if obstacle:
        _cancel(message, obstacle)
        logger.info("message %s cancelled: %s", message.pk, obstacle)
        return OutboxStatus.CANCELLED
    try:
        SENDERS[message.channel](message)
    except SmsRateLimited:
        _hand_back(message)
        return OutboxStatus.PENDING
    except PermanentFailure as failure:
        outbox_failed(message, str(failure))
        if failure.bouncing:
            contact_flag_bouncing(email=message.to, error=str(failure))
        logger.warning("message %s failed for good (%s)", message.pk, message.channel)
        return OutboxStatus.FAILED
    except Exception as error:  # a timeout, a server down, a 4xx/5xx worth another try: the backoff decides
        outbox_retry(message, f"{type(error).__name__}: {error}")
        logger.info("message %s: attempt %s failed (%s)", message.pk, message.attempts, type(error).__name__)
        return OutboxStatus.PENDING
    outbox_sent(message)
    return OutboxStatus.SENT


@shared_task(name="notifications.sweep", ignore_result=True, soft_time_limit=100, time_limit=120)
def sweep_outbox() -> int:
    """Every minute: hand over the messages that are due and were not queued (a grace period or quiet
    hours ended, Redis was down at the commit, a worker died holding one). Returns how many were queued."""
    return outbox_hand_over(deliver_message, outbox_due(Message))
