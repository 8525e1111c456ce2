"""The digests' Celery tasks: the hourly checks (``CELERY_BEAT_SCHEDULE``) that send each school's daily
and weekly digests when their time has come, in chunks of guardians, one task per chunk.

Every task is idempotent: a chunk builds only the digests not yet written that day (``Digest`` is unique
per guardian, rhythm and day, and the messages' keys are too), so a rerun, a redelivered task after a
worker died, or the next hourly check completes what is missing and sends nothing twice.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from gradebook.models import School

from .models import Digest
from .services.digests import digest_chunks, digests_build, digests_due

logger = logging.getLogger(__name__)


@shared_task(name="notifications.build_digest_chunk", time_limit=300, soft_time_limit=240)
def build_digest_chunk(school_id: int, rhythm: str, day: str, guardian_ids: list[int]) -> int:
    """Build the digests of these guardians of the school for the day (ISO date); returns how many."""
    school = School.objects.get(pk=school_id)
    return digests_build(
        school=school, rhythm=rhythm, day=datetime.date.fromisoformat(day), guardian_ids=list(guardian_ids)
    )


def _send(rhythm: str, school_id: int | None, day: str | None) -> int:
    now = timezone.now()
    if school_id is None:
        plan = digests_due(rhythm=rhythm, now=now)
    else:
        school = School.objects.get(pk=school_id)
        plan = [(school, datetime.date.fromisoformat(day) if day else timezone.localdate(now, timezone=school.zone))]
    queued = 0
    for school, the_day in plan:
        for chunk in digest_chunks(school=school, rhythm=rhythm, day=the_day):
            try:
                build_digest_chunk.apply_async(args=[school.pk, rhythm, the_day.isoformat(), chunk], retry=False)
            except (OperationalError, OSError):  # no broker: the next hourly check queues what is still missing
                logger.warning("digests: could not queue a %s chunk of school %s", rhythm, school.pk, exc_info=True)
                return queued
            queued += 1
    return queued


@shared_task(name="notifications.send_daily_digests", time_limit=300, soft_time_limit=240)
def send_daily_digests(school_id: int | None = None, day: str | None = None) -> int:
    """Hourly: queue the daily digests of every school whose digest time has come (or, given a school, its
    digests of ``day``, today by default, at once). Returns how many chunks were queued."""
    return _send(Digest.Rhythm.DAILY, school_id, day)


@shared_task(name="notifications.send_weekly_digests", time_limit=300, soft_time_limit=240)
def send_weekly_digests(school_id: int | None = None, day: str | None = None) -> int:
    """Hourly: the same for the weekly digests, on each school's weekly digest weekday."""
    return _send(Digest.Rhythm.WEEKLY, school_id, day)
