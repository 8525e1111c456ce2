"""Which classes' batches are being generated right now, for the batches page to say so (and refresh
itself) while a worker renders them. Kept in the cache (Redis in production): a marker lives until the task
ends, or at most ``MARKER_TTL`` if the worker died."""

import datetime

from django.core.cache import cache

MARKER_TTL = 15 * 60


def _key(class_id: int, week_start: datetime.date) -> str:
    return f"printouts:generating:{class_id}:{week_start.isoformat()}"


def generation_started(class_id: int, week_start: datetime.date) -> None:
    cache.set(_key(class_id, week_start), True, MARKER_TTL)


def generation_finished(class_id: int, week_start: datetime.date) -> None:
    cache.delete(_key(class_id, week_start))


def generating(class_ids, week_start: datetime.date) -> set[int]:
    """The classes among ``class_ids`` whose batch of the week a worker is generating: one cache read."""
    keys = {_key(class_id, week_start): class_id for class_id in class_ids}
    return {keys[key] for key in cache.get_many(list(keys))}
