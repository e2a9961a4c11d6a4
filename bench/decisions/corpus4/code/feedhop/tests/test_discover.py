from feedhop.discover import find_feeds

PAGE = """<html><head>
<base href="/app/">
<link rel="stylesheet" href="style.css">
<link rel="alternate" type="application/rss+xml" title="Articles" href="feed/posts.xml">
<link rel="alternate" type="application/atom+xml" title="Commentaires" href="feed/comments.atom">
</head><body></body></html>"""


def test_first_advertised_feed_comes_first():
    found = find_feeds(PAGE, "https://blog.example.fr/")
    assert found[0].title == "Articles"


def test_relative_href_resolved_against_base_href():
    found = find_feeds(PAGE, "https://blog.example.fr/")
    assert {c.url for c in found} == {
        "https://blog.example.fr/app/feed/posts.xml",
        "https://blog.example.fr/app/feed/comments.atom",
    }


def test_entry_documents_and_stylesheets_are_not_feeds():
    html = '<link rel="alternate" type="application/atom+xml;type=entry" href="/e/1.atom">'
    assert find_feeds(html, "https://example.org/") == []
