from datetime import datetime, timezone

from feedhop.conditional import Validators, conditional_headers, store_validators

NOW = datetime(2026, 11, 14, 9, 30, tzinfo=timezone.utc)


def test_if_modified_since_is_the_servers_own_last_modified():
    # the server compares If-Modified-Since with what it handed out, character for character
    v = store_validators(Validators(), {"Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}, NOW)
    assert conditional_headers(v)["If-Modified-Since"] == "Wed, 21 Oct 2026 07:28:00 GMT"


def test_no_validators_no_conditional_headers():
    v = store_validators(Validators(), {"Content-Type": "application/rss+xml"}, NOW)
    assert conditional_headers(v) == {}


def test_etag_is_sent_back_as_given():
    v = store_validators(Validators(), {"ETag": 'W/"5f2-abc"'}, NOW)
    assert conditional_headers(v)["If-None-Match"] == 'W/"5f2-abc"'
