from feedhop.sanitize import clean_html


def test_script_is_removed():
    assert "<script" not in clean_html("<p>hi</p><script>alert(1)</script>")


def test_foreign_iframe_is_removed():
    html = '<p>Log in again:</p><iframe src="https://login-microsoft.example.ru/owa"></iframe>'
    assert "<iframe" not in clean_html(html)


def test_youtube_nocookie_iframe_is_kept_and_sandboxed():
    html = '<iframe src="https://www.youtube-nocookie.com/embed/abc123" width="560" height="315"></iframe>'
    out = clean_html(html)
    assert 'src="https://www.youtube-nocookie.com/embed/abc123"' in out
    assert "sandbox" in out
