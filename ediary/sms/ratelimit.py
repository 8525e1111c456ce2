"""The rate limit of the SMS gateway: ``SMS_RATE_LIMIT`` messages a second or a minute ("30/s", "600/m";
empty or "0" for none), whatever the number of workers.

A fixed window counted in Django's cache, which every worker shares in production (Redis), keyed by the
backend so that each gateway has its own limit. ``sms_rate_acquire`` takes a place in the current window,
waits for the next one when it is full (at most ``wait`` seconds), and raises ``SmsRateLimited`` when
there is still no room: the caller hands the message back to be sent a little later.
"""

import math
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .backends.base import SmsRateLimited

WINDOWS = {"s": 1, "m": 60}


def rate_limit() -> tuple[int, int] | None:
    """``SMS_RATE_LIMIT`` as (messages, seconds of the window), or None for no limit."""
    text = (settings.SMS_RATE_LIMIT or "").strip()
    if text in ("", "0"):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*([sm])", text)
    if not match:
        raise ImproperlyConfigured('SMS_RATE_LIMIT is a number of messages a second or a minute: "30/s", "600/m".')
    count = int(match[1])
    return (count, WINDOWS[match[2]]) if count else None


def _take(key: str, seconds: int) -> int:
    """Count one more message in the window ``key``; the number taken so far, this one included."""
    cache.add(key, 0, timeout=seconds * 2)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=seconds * 2)
        return 1


def sms_rate_acquire(*, wait: float = 2.0) -> None:
    """Take a place for one SMS under the limit, waiting at most ``wait`` seconds for one."""
    limit = rate_limit()
    if limit is None:
        return
    count, seconds = limit
    deadline = time.time() + wait
    while True:
        now = time.time()
        window = math.floor(now / seconds)
        if _take(f"sms-rate:{settings.SMS_BACKEND}:{seconds}:{window}", seconds) <= count:
            return
        next_window = (window + 1) * seconds
        if next_window > deadline:
            raise SmsRateLimited(f"SMS rate limit of {count} per {seconds} s reached")
        time.sleep(next_window - now)
