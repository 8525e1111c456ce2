"""The weekly extracts' Celery tasks: an hourly check (``CELERY_BEAT_SCHEDULE``) that, for each school whose
printout time of the week has come (its ``PrintoutSettings``, default Friday 12:00, in the school's time
zone), queues one task per class still without its batch of the week.

Idempotent: a class's batch is generated once (``weekly_batch_generate`` returns the existing one), so a
rerun, a redelivered task or the next hourly check only completes what is missing.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone
from kombu.exceptions import OperationalError

from gradebook.models import ClassUnit, School

from .models import PrintoutSettings, WeeklyBatch
from .services.batches import monday_of, paper_students_by_class, weekly_batch_generate
from .services.progress import generation_finished

logger = logging.getLogger(__name__)

DEFAULTS = PrintoutSettings()


def _due_week(school: School, now: datetime.datetime) -> datetime.date | None:
    """The Monday of the school's current week if its printout moment of the week has passed, else None."""
    setting = getattr(school, "printout_settings", None) or DEFAULTS
    local = timezone.localtime(now, timezone=school.zone)
    week_start = monday_of(local.date())
    due = datetime.datetime.combine(
        week_start + datetime.timedelta(days=setting.weekday - 1), setting.at, tzinfo=school.zone
    )
    return week_start if local >= due else None


def classes_due(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(class id, Monday) of the classes whose batch of the week is due and missing and that have a family on
    paper: a fixed number of queries per school."""
    plan = []
    for school in School.objects.select_related("printout_settings").order_by("pk"):
        week_start = _due_week(school, now)
        if week_start is None:
            continue
        week_end = week_start + datetime.timedelta(days=6)
        class_ids = set(
            ClassUnit.objects.filter(
                school_year__school=school, school_year__starts_on__lte=week_end, school_year__ends_on__gte=week_start
            )
            .exclude(pk__in=WeeklyBatch.objects.filter(week_start=week_start).values("class_unit"))
            .values_list("pk", flat=True)
        )
        with_paper = paper_students_by_class(class_ids, week_start)
        plan.extend((class_id, week_start) for class_id in sorted(class_ids) if with_paper.get(class_id))
    return plan


@shared_task(name="printouts.generate_class_batch", time_limit=900, soft_time_limit=840)
def generate_class_batch(class_id: int, week_start: str, by_id: int | None = None) -> int | None:
    """Generate a class's batch of a week (ISO Monday) unless it exists; returns the batch's id. ``by_id``: the
    user who asked for it on the batches page (None for the weekly job)."""
    class_unit = ClassUnit.objects.get(pk=class_id)
    monday = datetime.date.fromisoformat(week_start)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    try:
        batch = weekly_batch_generate(class_unit=class_unit, week_start=monday, by=by)
    finally:
        generation_finished(class_id, monday)
    return batch.pk if batch else None


@shared_task(name="printouts.generate_weekly_extracts", time_limit=300, soft_time_limit=240)
def generate_weekly_extracts() -> int:
    """Hourly: queue the batches now due; returns how many tasks were queued."""
    queued = 0
    for class_id, week_start in classes_due(timezone.now()):
        try:
            generate_class_batch.apply_async(args=[class_id, week_start.isoformat()], retry=False)
        except (OperationalError, OSError):  # no broker: the next hourly check queues what is still missing
            logger.warning("printouts: could not queue the batch of class %s", class_id, exc_info=True)
            return queued
        queued += 1
    return queued
