import io

from PIL import Image

from feedhop.thumbs import make_thumb, scaled_size


def _png(width, height):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_wide_image_is_scaled_for_retina_cards(tmp_path):
    # the digest card is 240 css px wide; on a 2x screen it needs 480 px
    thumb = make_thumb("https://example.org/a.png", _png(1600, 900), tmp_path)
    assert thumb is not None
    assert (thumb.width, thumb.height) == (480, 270)


def test_small_image_is_not_enlarged():
    assert scaled_size(200, 100) == (200, 100)
