"""OPML import and export of subscriptions (folders become categories)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class Subscription:
    url: str
    title: str
    category: str | None = None
    site_url: str | None = None


class OpmlError(ValueError):
    pass


def _walk(node: ET.Element, category: str | None, out: list[Subscription]) -> None:
    for child in node.findall("outline"):
        url = child.get("xmlUrl")
        title = child.get("title") or child.get("text") or ""
        if url:
            out.append(Subscription(url=url.strip(), title=title.strip() or url,
                                    category=category, site_url=child.get("htmlUrl")))
        else:
            _walk(child, title.strip() or category, out)


def read_opml(data: bytes) -> list[Subscription]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not an OPML document: {exc}") from exc
    if root.tag.lower() != "opml":
        raise OpmlError(f"root element is <{root.tag}>, expected <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("OPML without <body>")
    subs: list[Subscription] = []
    _walk(body, None, subs)
    seen: set[str] = set()
    unique: list[Subscription] = []
    for sub in subs:
        if sub.url in seen:
            continue
        seen.add(sub.url)
        unique.append(sub)
    return unique


def write_opml(subs: list[Subscription], owner: str | None = None) -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "feedhop subscriptions"
    ET.SubElement(head, "dateCreated").text = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    if owner:
        ET.SubElement(head, "ownerName").text = owner
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for sub in subs:
        parent = body
        if sub.category:
            if sub.category not in folders:
                folders[sub.category] = ET.SubElement(body, "outline", text=sub.category, title=sub.category)
            parent = folders[sub.category]
        attrs = {"type": "rss", "text": sub.title, "title": sub.title, "xmlUrl": sub.url}
        if sub.site_url:
            attrs["htmlUrl"] = sub.site_url
        ET.SubElement(parent, "outline", attrs)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
