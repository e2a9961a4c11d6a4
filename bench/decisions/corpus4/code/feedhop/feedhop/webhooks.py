"""Outgoing webhooks: subscribers (a Slack bridge, partners' own endpoints) register a URL and
a secret, and after each poll we POST them the entries that are new in the feeds they follow."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

import httpx

SIGNATURE_HEADER = "X-Feedhop-Signature"
EVENT_HEADER = "X-Feedhop-Event"
MAX_ENTRIES_PER_POST = 50
POST_TIMEOUT = 10.0
GIVE_UP_AFTER = 3


@dataclass
class HookTarget:
    url: str
    secret: str
    feed_ids: set[int] = field(default_factory=set)
    failures: int = 0
    disabled: bool = False


def payload_for(entries: list[dict], feed_title: str) -> bytes:
    """The JSON body: compact, keys sorted, so the bytes we sign are the bytes we send."""
    items = [
        {"title": e.get("title") or "", "link": e.get("link"), "published": e.get("published")}
        for e in entries[:MAX_ENTRIES_PER_POST]
    ]
    doc = {"feed": feed_title, "count": len(items), "entries": items}
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign_payload(secret: str, body: bytes, now: float | None = None) -> str:
    """Value of the signature header for `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    """What we give subscribers (and use in our own integration tests) to check a request."""
    expected = sign_payload(secret, body, now)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii"))


def chunks(entries: list[dict], size: int = MAX_ENTRIES_PER_POST) -> list[list[dict]]:
    return [entries[i:i + size] for i in range(0, len(entries), size)]


def deliver_entries(client: httpx.Client, target: HookTarget, feed_title: str, entries: list[dict],
                    clock=time.time) -> int:
    """POSTs the entries in chunks; returns how many chunks the subscriber accepted."""
    if target.disabled or not entries:
        return 0
    accepted = 0
    for chunk in chunks(entries):
        body = payload_for(chunk, feed_title)
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: "entries.new",
            SIGNATURE_HEADER: sign_payload(target.secret, body, clock()),
        }
        try:
            response = client.post(target.url, content=body, headers=headers, timeout=POST_TIMEOUT)
        except httpx.TransportError:
            response = None
        if response is not None and 200 <= response.status_code < 300:
            accepted += 1
            target.failures = 0
            continue
        target.failures += 1
        if target.failures >= GIVE_UP_AFTER:
            target.disabled = True
            break
    return accepted
