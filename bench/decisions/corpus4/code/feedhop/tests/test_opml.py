import pytest

from feedhop.opml import OpmlError, Subscription, read_opml, write_opml

NESTED = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
<outline text="Tech"><outline text="Go"><outline type="rss" text="Go blog" xmlUrl="https://go.example/feed.atom"/></outline></outline>
</body></opml>"""


def test_nested_folders_use_innermost_name():
    [sub] = read_opml(NESTED)
    assert sub.category == "Tech/Go"


def test_roundtrip_keeps_site_url():
    data = write_opml([Subscription(url="https://a.example/feed", title="A", site_url="https://a.example/")])
    [sub] = read_opml(data)
    assert sub.site_url == "https://a.example/"


def test_not_opml():
    with pytest.raises(OpmlError):
        read_opml(b"<html></html>")


def test_lowercase_xmlurl_attribute():
    data = b'<opml version="1.0"><body><outline text="Go blog" xmlurl="https://go.example/feed.atom"/></body></opml>'
    [sub] = read_opml(data)
    assert sub.url == "https://go.example/feed.atom"
