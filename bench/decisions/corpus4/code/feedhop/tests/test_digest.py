from feedhop.digest import SUMMARY_CHARS, summarize


def test_short_text_untouched():
    assert summarize("<p>Short news.</p>") == "Short news."


def test_long_text_cut_between_words():
    words = "The new transformer layout reduces memory use considerably " * 10
    out = summarize(f"<p>{words}</p>")
    assert out.endswith("…")
    body = out[:-1]
    assert len(body) <= SUMMARY_CHARS
    assert words.startswith(body) and words[len(body)] == " "
