import hashlib
import hmac

from feedhop.webhooks import payload_for, sign_payload, verify_signature

NOW = 1_760_000_000


def _parts(header):
    return dict(p.strip().split("=", 1) for p in header.split(","))


def test_signature_covers_the_time_it_was_made():
    body = payload_for([{"title": "Hello", "link": "https://example.org/1"}], "Example")
    parts = _parts(sign_payload("s3cret", body, now=NOW))
    assert parts["t"] == str(NOW)
    expected = hmac.new(b"s3cret", str(NOW).encode() + b"." + body, hashlib.sha256).hexdigest()
    assert parts["v1"] == expected


def test_a_recorded_request_is_refused_later():
    body = payload_for([{"title": "Hello", "link": "https://example.org/1"}], "Example")
    header = sign_payload("s3cret", body, now=NOW)
    assert verify_signature("s3cret", body, header, now=NOW + 6 * 60) is False


def test_a_fresh_request_verifies():
    body = payload_for([], "Example")
    assert verify_signature("s3cret", body, sign_payload("s3cret", body, now=NOW), now=NOW + 30)
