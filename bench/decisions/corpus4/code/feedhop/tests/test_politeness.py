from feedhop.politeness import bucket_for


def test_medium_feeds_refresh_in_one_poll():
    # we follow about 900 feeds on medium.com; all of them must be fetched within one 5-minute poll
    bucket = bucket_for("https://medium.com/feed/@someone")
    assert 900 / bucket.rate <= 300


def test_small_hosts_are_throttled():
    assert bucket_for("https://blog.example.org/rss").rate <= 2
