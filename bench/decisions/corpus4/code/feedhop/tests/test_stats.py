from feedhop.stats import percent, tag_cloud


def test_percent():
    assert percent(1, 3) == "33.3%"
    assert percent(0, 0) == "—"


def test_tag_cloud_merges_case_and_whitespace():
    assert tag_cloud([["Python ", "python"], ["PYTHON"]]) == [("python", 3)]
