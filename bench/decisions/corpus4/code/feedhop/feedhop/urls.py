"""URL helpers: normalizing entry links, resolving relative links, feed discovery."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_", "mc_", "fbclid", "gclid", "ref")
_LINK_TAG = re.compile(r"<link[^>]+>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


def normalize_url(url: str) -> str:
    """Canonical form of an entry link, used for duplicate detection and the read-state."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "https"
    host = (parts.hostname or "").lower()
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    path = parts.path.lower() or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PREFIXES)]
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def absolutize(base: str, link: str | None) -> str | None:
    if not link:
        return None
    return urljoin(base, link)


def discover_feeds(page_url: str, html: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate" type="...">."""
    found: list[str] = []
    for tag in _LINK_TAG.findall(html):
        attrs = {k.lower(): v for k, v in _ATTR.findall(tag)}
        if attrs.get("rel", "").lower() != "alternate":
            continue
        if attrs.get("type", "").lower() not in FEED_TYPES:
            continue
        href = absolutize(page_url, attrs.get("href"))
        if href and href not in found:
            found.append(href)
    return found


def same_site(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()
