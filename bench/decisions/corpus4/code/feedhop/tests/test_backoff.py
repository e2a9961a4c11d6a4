import random

from feedhop.backoff import MAX_DELAY, failing_feed_interval, next_delay


def test_delay_grows_and_is_capped():
    rng = random.Random(7)
    delays = [next_delay(n, rng=rng) for n in range(1, 12)]
    assert all(0 <= d <= MAX_DELAY for d in delays)


def test_retry_after_seconds_is_used():
    assert next_delay(1, "120") == 120


def test_huge_retry_after_is_capped():
    # a host answered 503 with Retry-After: 2592000 (30 days)
    assert next_delay(1, "2592000") == 6 * 3600


def test_failing_feed_interval_steps():
    assert failing_feed_interval(0) == 15
    assert failing_feed_interval(50) == 1440
