"""Finding the feed behind a web page: the user pastes a site's address, we read its HTML and
offer the feeds it advertises (<link rel="alternate" ...>); the first one is subscribed."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
PREFERENCE = {"atom": 0, "rss": 1, "json": 2}
COMMON_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json")


@dataclass
class Candidate:
    url: str
    kind: str
    title: str | None = None


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            self.links.append(a)
        elif tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]


def _kind(link: dict[str, str]) -> str | None:
    rel = link.get("rel", "").lower().split()
    mime = link.get("type", "").lower().strip()
    if "stylesheet" in rel or ";type=entry" in mime.replace(" ", ""):
        return None
    if "feed" in rel and not mime:
        return "rss"
    if "alternate" in rel:
        return FEED_TYPES.get(mime.split(";")[0].strip())
    return None


def find_feeds(html: str, page_url: str) -> list[Candidate]:
    """Feeds the page advertises, best first."""
    parser = _LinkCollector()
    parser.feed(html)
    found: list[Candidate] = []
    seen: set[str] = set()
    for link in parser.links:
        kind = _kind(link)
        href = link.get("href")
        if not kind or not href:
            continue
        url = urljoin(page_url, href)
        if url in seen:
            continue
        seen.add(url)
        found.append(Candidate(url=url, kind=kind, title=link.get("title") or None))
    found.sort(key=lambda c: PREFERENCE[c.kind])
    return found


def guesses(page_url: str) -> list[str]:
    """When a page advertises nothing: the usual places, tried in this order."""
    return [urljoin(page_url, p) for p in COMMON_PATHS]
