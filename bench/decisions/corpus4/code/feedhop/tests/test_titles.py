from feedhop.titles import clean_title


def test_escaped_angle_brackets_in_an_rss_title_are_text():
    raw = "Firefox 23 mit Teilen-Funktion und ohne &lt;blink&gt;"
    assert clean_title(raw) == "Firefox 23 mit Teilen-Funktion und ohne <blink>"


def test_ampersand_entity_becomes_the_character():
    assert clean_title("Arts &amp; Letters Daily") == "Arts & Letters Daily"


def test_xhtml_title_loses_its_markup():
    raw = '<div xmlns="http://www.w3.org/1999/xhtml"><h2>LibreOffice Android View (Beta)</h2></div>'
    assert clean_title(raw, "xhtml") == "LibreOffice Android View (Beta)"
