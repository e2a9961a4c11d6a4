from feedhop.mailer import build_digest_message

SECRET = b"k" * 32


def _msg():
    return build_digest_message(SECRET, 42, "ana@example.org", "2026-11-18", 3, "text", "<p>html</p>")


def test_digest_offers_one_click_unsubscribe():
    msg = _msg()
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    first = msg["List-Unsubscribe"].split(",")[0].strip()
    assert first.startswith("<https://feedhop.app/u/42.")


def test_mailto_unsubscribe_still_offered():
    assert "mailto:unsubscribe@feedhop.app" in _msg()["List-Unsubscribe"]
