"""Delays between fetch attempts and between polls of a failing feed."""
from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

BASE_DELAY = 30.0
MAX_DELAY = 3600.0
FAILING_FEED_STEPS = (15, 30, 60, 180, 360, 720, 1440)  # minutes between polls after n failures


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def next_delay(attempt: int, retry_after: str | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1`.

    Exponential from BASE_DELAY with full jitter, capped at MAX_DELAY. A Retry-After header wins.
    """
    asked = parse_retry_after(retry_after)
    if asked is not None:
        return asked
    rng = rng or random.Random()
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** (attempt - 1)))
    return rng.uniform(0, ceiling)


def failing_feed_interval(failures: int) -> int:
    """Minutes until the next poll of a feed that failed `failures` times in a row."""
    if failures <= 0:
        return FAILING_FEED_STEPS[0]
    index = min(failures, len(FAILING_FEED_STEPS) - 1)
    return FAILING_FEED_STEPS[index]


def describe_delay(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}min"
    return f"{seconds / 3600:.1f}h"
