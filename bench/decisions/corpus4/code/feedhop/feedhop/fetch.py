"""Fetching one feed over HTTP: conditional GET, retries on transient failures."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from feedhop.backoff import next_delay

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
USER_AGENT = "feedhop/0.9 (+https://feedhop.dev/bot)"
TIMEOUT_SECONDS = 20.0
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class FetchError(Exception):
    """The feed could not be fetched; `status` is the last HTTP status (None on network errors)."""

    def __init__(self, url: str, status: int | None, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.status = status
        self.reason = reason


@dataclass
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    failures: int = 0


@dataclass
class FetchResult:
    body: bytes | None
    status: int
    not_modified: bool


def _headers(state: FeedState) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/atom+xml, application/rss+xml, */*;q=0.5"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _retry_after(response: httpx.Response) -> str | None:
    return response.headers.get("Retry-After")


def fetch_feed(client: httpx.Client, state: FeedState, sleep=time.sleep) -> FetchResult:
    """Fetch `state.url`, updating etag / last-modified / last_success on the state."""
    last_status: int | None = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = client.get(state.url, headers=_headers(state), timeout=TIMEOUT_SECONDS,
                                  follow_redirects=True)
        except httpx.TransportError as exc:
            log.info("fetch %s attempt %d: %s", state.url, attempt, exc)
            last_status = None
        else:
            last_status = response.status_code
            if response.status_code == 304:
                state.last_success = datetime.now(timezone.utc)
                state.failures = 0
                return FetchResult(body=None, status=304, not_modified=True)
            if response.is_success:
                state.etag = response.headers.get("ETag")
                state.last_modified = response.headers.get("Last-Modified")
                state.last_success = datetime.now(timezone.utc)
                state.failures = 0
                return FetchResult(body=response.content, status=response.status_code, not_modified=False)
            if response.status_code >= 400 and response.status_code not in RETRYABLE_STATUS:
                log.info("fetch %s: status %d, retrying anyway", state.url, response.status_code)
        if attempt < MAX_ATTEMPTS:
            retry_after = _retry_after(response) if last_status is not None else None
            sleep(next_delay(attempt, retry_after))
    state.failures += 1
    raise FetchError(state.url, last_status, f"giving up after {MAX_ATTEMPTS} attempts")


def describe(result: FetchResult) -> str:
    if result.not_modified:
        return "not modified"
    size = len(result.body or b"")
    return f"{result.status}, {size} bytes"
