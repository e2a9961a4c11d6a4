from feedhop.charset import decode_body

TITLE = "Новини дня"


def _rss(prolog: bytes, title: bytes) -> bytes:
    return prolog + b"<rss><channel><title>" + title + b"</title></channel></rss>"


def test_server_charset_wins_over_a_stale_prolog():
    body = _rss(b'<?xml version="1.0" encoding="utf-8"?>', TITLE.encode("cp1251"))
    assert TITLE in decode_body(body, "application/rss+xml; charset=windows-1251")


def test_prolog_is_used_when_the_server_says_nothing():
    body = _rss(b'<?xml version="1.0" encoding="iso-8859-1"?>', "Café".encode("latin-1"))
    assert "Café" in decode_body(body, "application/rss+xml")


def test_plain_utf8_without_any_hint():
    assert TITLE in decode_body(_rss(b"", TITLE.encode("utf-8")), None)
