import pytest

from feedhop.fetch import MAX_ATTEMPTS, FeedState, FetchError, fetch_feed

ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'


def test_ok_feed_stores_validators(recorder_client):
    rec, client = recorder_client([(200, {"ETag": '"abc"'}, ATOM)])
    state = FeedState(url="https://blog.example/feed.xml")
    result = fetch_feed(client, state, sleep=lambda s: None)
    assert result.status == 200
    assert state.etag == '"abc"'


def test_gone_feed_is_fetched_once(recorder_client):
    rec, client = recorder_client([(410, {}, b"")] * MAX_ATTEMPTS)
    state = FeedState(url="https://blog.example/old/feed.xml")
    with pytest.raises(FetchError) as err:
        fetch_feed(client, state, sleep=lambda s: None)
    assert err.value.status == 410
    assert len(rec.requests) == 1


def test_not_found_is_fetched_once(recorder_client):
    rec, client = recorder_client([(404, {}, b"")] * MAX_ATTEMPTS)
    with pytest.raises(FetchError):
        fetch_feed(client, FeedState(url="https://blog.example/nope.xml"), sleep=lambda s: None)
    assert len(rec.requests) == 1


def test_rate_limited_feed_is_retried(recorder_client):
    rec, client = recorder_client([(429, {"Retry-After": "1"}, b""), (200, {}, ATOM)])
    result = fetch_feed(client, FeedState(url="https://blog.example/feed.xml"), sleep=lambda s: None)
    assert result.status == 200
    assert len(rec.requests) == 2


def test_permanent_redirect_updates_stored_url(recorder_client):
    rec, client = recorder_client([
        (301, {"Location": "https://new.example/feed.xml"}, b""),
        (200, {}, ATOM),
    ])
    state = FeedState(url="https://old.example/feed.xml")
    fetch_feed(client, state, sleep=lambda s: None)
    assert state.url == "https://new.example/feed.xml"


def test_temporary_redirect_keeps_stored_url(recorder_client):
    rec, client = recorder_client([
        (307, {"Location": "https://mirror.example/feed.xml"}, b""),
        (200, {}, ATOM),
    ])
    state = FeedState(url="https://old.example/feed.xml")
    fetch_feed(client, state, sleep=lambda s: None)
    assert state.url == "https://old.example/feed.xml"
