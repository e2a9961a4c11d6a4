from feedhop.urls import discover_feeds, normalize_url


def test_utm_parameters_are_dropped():
    assert normalize_url("https://Blog.Example/post?utm_source=rss&utm_medium=feed") == "https://blog.example/post"


def test_other_parameters_are_kept():
    a = normalize_url("https://rat.example.de/sitzung?ref=1234")
    b = normalize_url("https://rat.example.de/sitzung?ref=1235")
    assert a != b


def test_path_case_is_kept():
    assert normalize_url("https://wiki.example/Main/HowTo") == "https://wiki.example/Main/HowTo"


def test_fragment_is_dropped():
    assert normalize_url("https://blog.example/post#comments") == "https://blog.example/post"


def test_discover_feeds():
    html = '<head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
    assert discover_feeds("https://blog.example/", html) == ["https://blog.example/feed.xml"]
