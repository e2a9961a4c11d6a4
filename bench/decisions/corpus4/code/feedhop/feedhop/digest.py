"""The daily / weekly e-mail digest: entries grouped by feed, each with a short summary."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from html import escape

from feedhop.sanitize import plain_text

SUMMARY_CHARS = 280
MAX_ENTRIES_PER_FEED = 10
ELLIPSIS = "…"


@dataclass
class DigestItem:
    feed_title: str
    title: str
    link: str
    summary_html: str
    published: datetime


def summarize(html: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(plain_text(html).split())
    if len(text) <= limit:
        return text
    return text[:limit] + ELLIPSIS


def group_by_feed(items: list[DigestItem]) -> dict[str, list[DigestItem]]:
    groups: dict[str, list[DigestItem]] = {}
    for item in sorted(items, key=lambda i: i.published, reverse=True):
        bucket = groups.setdefault(item.feed_title, [])
        if len(bucket) < MAX_ENTRIES_PER_FEED:
            bucket.append(item)
    return dict(sorted(groups.items(), key=lambda kv: kv[0].lower()))


def render_text(groups: dict[str, list[DigestItem]]) -> str:
    lines: list[str] = []
    for feed, items in groups.items():
        lines.append(feed)
        lines.append("=" * len(feed))
        for item in items:
            lines.append(f"* {item.title}\n  {item.link}\n  {summarize(item.summary_html)}")
        lines.append("")
    return "\n".join(lines)


def render_html(groups: dict[str, list[DigestItem]]) -> str:
    parts = ["<html><body>"]
    for feed, items in groups.items():
        parts.append(f"<h2>{escape(feed)}</h2><ul>")
        for item in items:
            parts.append(
                f'<li><a href="{escape(item.link, quote=True)}">{escape(item.title)}</a>'
                f"<br><small>{escape(summarize(item.summary_html))}</small></li>"
            )
        parts.append("</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def build_digest(items: list[DigestItem], to: str, period: str = "daily",
                 now: datetime | None = None) -> EmailMessage | None:
    """The digest mail for `to`, or None when nothing is new in the period."""
    now = now or datetime.now(timezone.utc)
    since = now - (timedelta(days=7) if period == "weekly" else timedelta(days=1))
    recent = [i for i in items if i.published >= since]
    if not recent:
        return None
    groups = group_by_feed(recent)
    msg = EmailMessage()
    msg["Subject"] = f"feedhop {period} digest: {len(recent)} new entries"
    msg["To"] = to
    msg["From"] = "digest@feedhop.dev"
    msg.set_content(render_text(groups))
    msg.add_alternative(render_html(groups), subtype="html")
    return msg
