"""Site icons for the feed list: on a feed's first poll we look for the site's icon (the page's
<link rel="icon">, else /favicon.ico) and keep it next to the database."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from feedhop.fetch import USER_AGENT

ICON_DIR = Path("var/icons")
ICON_TIMEOUT = httpx.Timeout(60.0)
MAX_ICON_BYTES = 1024 * 1024
ICON_TYPES = ("image/x-icon", "image/vnd.microsoft.icon", "image/png", "image/svg+xml", "image/gif", "image/jpeg")
_ICON_LINK = re.compile(r"""<link[^>]+rel=["'](?:shortcut )?icon["'][^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""href=["']([^"']+)["']""", re.IGNORECASE)


def icon_client() -> httpx.Client:
    return httpx.Client(timeout=ICON_TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def site_root(feed_url: str) -> str:
    parts = urlsplit(feed_url)
    return f"{parts.scheme}://{parts.netloc}/"


def icon_candidates(page_url: str, html: str | None) -> list[str]:
    """Icons the page declares, then the conventional /favicon.ico."""
    found = []
    for tag in _ICON_LINK.findall(html or ""):
        m = _HREF.search(tag)
        if m:
            found.append(urljoin(page_url, m.group(1)))
    found.append(urljoin(page_url, "/favicon.ico"))
    return list(dict.fromkeys(found))


def fetch_icon(client: httpx.Client, url: str) -> bytes | None:
    """The icon's bytes, or None if the server has no usable icon."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind and kind not in ICON_TYPES:
                return None
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_ICON_BYTES:
                    return None
            return bytes(data) or None
    except httpx.HTTPError:
        return None


def icon_path(site: str, data: bytes) -> Path:
    digest = hashlib.sha1(site.encode("utf-8")).hexdigest()[:16]
    suffix = ".svg" if data.lstrip().startswith(b"<") else ".ico"
    return ICON_DIR / (digest + suffix)


def store_icon(client: httpx.Client, feed_url: str, page_html: str | None = None) -> Path | None:
    root = site_root(feed_url)
    for candidate in icon_candidates(root, page_html):
        data = fetch_icon(client, candidate)
        if data:
            path = icon_path(root, data)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return path
    return None
