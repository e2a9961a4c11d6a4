import pytest

from feedhop.bodysize import FeedTooLarge, read_body

MIB = 1024 * 1024


def _chunks(total, size=64 * 1024):
    left = total
    while left > 0:
        n = min(size, left)
        yield b"x" * n
        left -= n


def test_a_seven_megabyte_podcast_feed_is_read_whole():
    assert len(read_body(_chunks(7 * MIB))) == 7 * MIB


def test_a_body_over_the_limit_is_an_error_not_a_truncated_feed():
    with pytest.raises(FeedTooLarge):
        read_body(_chunks(11 * MIB))


def test_small_body_unchanged():
    assert read_body([b"<rss>", b"</rss>"]) == b"<rss></rss>"
