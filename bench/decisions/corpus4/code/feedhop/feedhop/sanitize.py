"""Cleaning entry HTML before it is stored, shown in the reader or mailed in a digest."""
from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

import bleach
from bleach.css_sanitizer import CSSSanitizer

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figure", "figcaption", "h2", "h3", "h4",
    "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul", "iframe",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "width", "height"],
    "iframe": ["src", "width", "height", "allowfullscreen"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_css = CSSSanitizer(allowed_css_properties=["text-align"])


def _rel_nofollow(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener"
        attrs[(None, "target")] = "_blank"
    return attrs


def clean_html(html: str) -> str:
    """Entry HTML reduced to ALLOWED_TAGS / ALLOWED_ATTRIBUTES, links made safe."""
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        css_sanitizer=_css,
        strip=True,
        strip_comments=True,
    )
    return bleach.linkify(cleaned, callbacks=[_rel_nofollow], skip_tags=["pre", "code"])


def plain_text(html: str) -> str:
    """Text only, for search indexing and digest summaries."""
    return bleach.clean(html, tags=set(), strip=True).replace("\xa0", " ").strip()


def embed_link(src: str) -> str:
    """A plain link standing in for an embed we do not show."""
    host = urlsplit(src).hostname or src
    return f'<p><a href="{escape(src, quote=True)}" rel="nofollow noopener">Embedded content ({escape(host)})</a></p>'


def image_sources(html: str) -> list[str]:
    """src of every <img> kept after cleaning (for the image proxy's warm-up)."""
    sources: list[str] = []
    marker = 'src="'
    cleaned = clean_html(html)
    start = cleaned.find("<img")
    while start != -1:
        at = cleaned.find(marker, start)
        if at == -1:
            break
        end = cleaned.find('"', at + len(marker))
        sources.append(cleaned[at + len(marker):end])
        start = cleaned.find("<img", end)
    return sources
