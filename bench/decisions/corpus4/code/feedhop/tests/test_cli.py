from feedhop.cli import main


def test_import_missing_file_exit_code(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "x.db"), "import", str(tmp_path / "missing.opml")])
    assert code == 2
    assert "missing.opml" in capsys.readouterr().err


def test_poll_with_no_feeds_is_success(tmp_path):
    assert main(["--db", str(tmp_path / "x.db"), "poll"]) == 0


def test_list_command(tmp_path, capsys):
    main(["--db", str(tmp_path / "x.db"), "add", "https://a.example/feed"])
    assert main(["--db", str(tmp_path / "x.db"), "list"]) == 0
    assert "https://a.example/feed" in capsys.readouterr().out
