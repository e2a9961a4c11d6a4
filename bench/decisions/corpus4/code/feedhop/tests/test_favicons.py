from feedhop.favicons import fetch_icon, icon_candidates, icon_client


def test_icon_requests_give_up_quickly():
    client = icon_client()
    assert client.timeout.connect <= 2.0
    assert client.timeout.read <= 5.0


def test_oversized_icon_is_not_kept(recorder_client):
    _, client = recorder_client([(200, {"content-type": "image/png"}, b"\x89PNG" + b"0" * 200_000)])
    assert fetch_icon(client, "https://example.org/favicon.ico") is None


def test_declared_icon_comes_first():
    html = '<head><link rel="icon" href="/static/i.png"></head>'
    assert icon_candidates("https://example.org/", html)[0] == "https://example.org/static/i.png"
