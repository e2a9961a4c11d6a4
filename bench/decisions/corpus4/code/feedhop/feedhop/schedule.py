"""When each feed is polled next."""
from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from feedhop.backoff import failing_feed_interval

DEFAULT_POLL_MINUTES = 60
MAX_POLL_MINUTES = 24 * 60

_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass(order=True)
class Due:
    at: datetime
    feed_id: int = field(compare=False)


def poll_interval_for(ttl_minutes: int | None, cache_control: str | None, failures: int) -> int:
    """Minutes until the next poll of a feed.

    Uses the feed's <ttl> or the Cache-Control max-age when it has one, the default otherwise;
    failing feeds slow down along FAILING_FEED_STEPS.
    """
    if failures:
        return failing_feed_interval(failures)
    minutes = DEFAULT_POLL_MINUTES
    if ttl_minutes is not None and ttl_minutes > 0:
        minutes = ttl_minutes
    elif cache_control:
        match = _MAX_AGE.search(cache_control)
        if match:
            minutes = max(1, int(match.group(1)) // 60)
    return min(minutes, MAX_POLL_MINUTES)


class PollQueue:
    """Min-heap of feeds by next due time."""

    def __init__(self) -> None:
        self._heap: list[Due] = []
        self._ids: set[int] = set()

    def push(self, feed_id: int, at: datetime) -> None:
        if feed_id in self._ids:
            self._heap = [d for d in self._heap if d.feed_id != feed_id]
            heapq.heapify(self._heap)
        heapq.heappush(self._heap, Due(at, feed_id))
        self._ids.add(feed_id)

    def pop_due(self, now: datetime | None = None) -> list[int]:
        now = now or datetime.now(timezone.utc)
        due: list[int] = []
        while self._heap and self._heap[0].at <= now:
            item = heapq.heappop(self._heap)
            self._ids.discard(item.feed_id)
            due.append(item.feed_id)
        return due

    def reschedule(self, feed_id: int, minutes: int, now: datetime | None = None) -> datetime:
        now = now or datetime.now(timezone.utc)
        at = now + timedelta(minutes=minutes)
        self.push(feed_id, at)
        return at

    def __len__(self) -> int:
        return len(self._heap)
