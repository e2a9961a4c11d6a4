"""What a failed poll does to a feed: the error is recorded for the feeds page, and a feed that
keeps failing is disabled so we stop hitting dead sites every 15 minutes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

FAILURES_BEFORE_DISABLE = 10
ERROR_TEXT_CHARS = 300


@dataclass
class FeedState:
    url: str
    enabled: bool = True
    consecutive_failures: int = 0
    first_failure_at: datetime | None = None
    last_error: str | None = None
    disabled_reason: str | None = None
    history: list[tuple[datetime, int | None]] = field(default_factory=list)


def describe_error(status: int | None, message: str) -> str:
    text = f"HTTP {status}: {message}" if status else message
    return text[:ERROR_TEXT_CHARS]


def record_success(feed: FeedState, status: int, now: datetime) -> None:
    """A 200 or a 304: the feed is fine again."""
    feed.consecutive_failures = 0
    feed.first_failure_at = None
    feed.last_error = None
    feed.history.append((now, status))


def record_failure(feed: FeedState, status: int | None, message: str, now: datetime) -> None:
    """A poll that failed (HTTP error, timeout, unparsable body)."""
    feed.consecutive_failures += 1
    if feed.first_failure_at is None:
        feed.first_failure_at = now
    feed.last_error = describe_error(status, message)
    feed.history.append((now, status))
    if feed.consecutive_failures >= FAILURES_BEFORE_DISABLE:
        feed.enabled = False
        feed.disabled_reason = f"{feed.consecutive_failures} failed polls in a row: {feed.last_error}"


def enable(feed: FeedState) -> None:
    """The user's 'try again' button."""
    feed.enabled = True
    feed.consecutive_failures = 0
    feed.first_failure_at = None
    feed.disabled_reason = None


def failing_for(feed: FeedState, now: datetime) -> timedelta:
    return now - feed.first_failure_at if feed.first_failure_at else timedelta(0)


def trim_history(feed: FeedState, keep: int = 50) -> None:
    del feed.history[:-keep]
