"""Conditional GET for feed polls: what we remember about a feed's last answer (ETag,
Last-Modified) and the headers we send next time, so unchanged feeds cost a 304 and no parse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

USER_AGENT = "feedhop/0.9 (+https://feedhop.app/bot)"
ACCEPT_FEEDS = (
    "application/atom+xml, application/rss+xml;q=0.9, application/feed+json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


@dataclass
class Validators:
    """What a feed's server told us last time, plus when we asked."""

    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None


def strip_weak(etag: str) -> str:
    """W/"abc" -> "abc" (for logging and comparing; we send the ETag back as given)."""
    return etag[2:] if etag.startswith("W/") else etag


def base_headers() -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Accept": ACCEPT_FEEDS, "Accept-Encoding": "gzip, br"}


def conditional_headers(v: Validators) -> dict[str, str]:
    """Headers that make the next poll conditional on what we already have."""
    headers: dict[str, str] = {}
    if v.etag:
        headers["If-None-Match"] = v.etag
    if v.fetched_at is not None:
        headers["If-Modified-Since"] = format_datetime(v.fetched_at.astimezone(timezone.utc), usegmt=True)
    return headers


def request_headers(v: Validators | None) -> dict[str, str]:
    headers = base_headers()
    if v is not None:
        headers.update(conditional_headers(v))
    return headers


def store_validators(v: Validators, response_headers: dict[str, str], now: datetime) -> Validators:
    """After a 200: keep the validators the server sent (header names are case-insensitive)."""
    lower = {k.lower(): val for k, val in response_headers.items()}
    return Validators(
        etag=lower.get("etag", v.etag),
        last_modified=lower.get("last-modified", v.last_modified),
        fetched_at=now,
    )


def is_not_modified(status: int) -> bool:
    return status == 304


def describe(v: Validators) -> str:
    parts = []
    if v.etag:
        parts.append(f"etag {strip_weak(v.etag)}")
    if v.last_modified:
        parts.append(f"last-modified {v.last_modified}")
    if v.fetched_at:
        parts.append(f"fetched {v.fetched_at.isoformat(timespec='seconds')}")
    return ", ".join(parts) or "no validators"
