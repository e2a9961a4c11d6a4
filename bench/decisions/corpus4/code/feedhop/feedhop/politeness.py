"""How hard we hit one host: a token bucket per host name, shared by all fetch workers
of the process, and the User-Agent we announce ourselves with."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

REQUESTS_PER_SECOND = 2.0
BURST = 2
USER_AGENT = "feedhop/1.4 (+https://feedhop.example/bot)"


class HostBucket:
    def __init__(self, rate: float = REQUESTS_PER_SECOND, burst: int = BURST, clock=time.monotonic):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.clock = clock
        self.stamp = clock()
        self.lock = threading.Lock()

    def wait_time(self) -> float:
        """Seconds until a request may go; takes the token when it is 0."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


_buckets: dict[str, HostBucket] = {}
_guard = threading.Lock()


def bucket_for(url: str) -> HostBucket:
    host = (urlsplit(url).hostname or "").lower()
    with _guard:
        if host not in _buckets:
            _buckets[host] = HostBucket()
        return _buckets[host]


def before_request(url: str, sleep=time.sleep) -> None:
    delay = bucket_for(url).wait_time()
    if delay > 0:
        sleep(delay)
