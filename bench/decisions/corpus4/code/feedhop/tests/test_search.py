from feedhop.search import fts_query


def test_words_are_quoted_so_punctuation_is_not_syntax():
    assert fts_query("covid-19 l'été") == '"covid-19" "l\'été"'


def test_unfinished_last_word_matches_longer_words():
    assert fts_query("raspberry pi kubern") == '"raspberry" "pi" "kubern"*'


def test_a_single_letter_is_not_a_prefix():
    assert fts_query("raspberry pi k") == '"raspberry" "pi" "k"'


def test_empty_box():
    assert fts_query("   ") == ""
