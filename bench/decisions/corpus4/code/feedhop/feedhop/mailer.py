"""Daily digest e-mails: one message per reader with the day's new entries, sent through the
SMTP relay. The HTML and text bodies come from digest.py; this module builds the envelope."""

from __future__ import annotations

import hashlib
import hmac
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

SENDER_NAME = "feedhop digest"
SENDER_ADDRESS = "digest@feedhop.app"
BOUNCE_ADDRESS = "bounces@feedhop.app"
UNSUBSCRIBE_MAILBOX = "unsubscribe@feedhop.app"
SITE = "https://feedhop.app"


def reader_token(secret: bytes, reader_id: int) -> str:
    """Per-reader signed token for links in the mail (no login needed to use them)."""
    mac = hmac.new(secret, str(reader_id).encode(), hashlib.sha256).hexdigest()[:24]
    return f"{reader_id}.{mac}"


def check_token(secret: bytes, value: str) -> int | None:
    reader, _, mac = value.partition(".")
    if not reader.isdigit():
        return None
    return int(reader) if hmac.compare_digest(reader_token(secret, int(reader)), value) else None


def subject_for(count: int, day: str) -> str:
    return f"{count} new {'entry' if count == 1 else 'entries'} for {day}"


def build_digest_message(
    secret: bytes, reader_id: int, to_addr: str, day: str, count: int, text: str, html: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((SENDER_NAME, SENDER_ADDRESS))
    msg["To"] = to_addr
    msg["Subject"] = subject_for(count, day)
    msg["Message-ID"] = make_msgid(domain="feedhop.app")
    msg["Return-Path"] = BOUNCE_ADDRESS
    msg["List-Id"] = "feedhop daily digest <digest.feedhop.app>"
    msg["List-Unsubscribe"] = f"<mailto:{UNSUBSCRIBE_MAILBOX}?subject=unsubscribe-{reader_id}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def footer_link(secret: bytes, reader_id: int) -> str:
    return f"{SITE}/u/{reader_token(secret, reader_id)}"
