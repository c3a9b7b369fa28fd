"""Flags read as flags: no value type in --help, and a value given to one is a clear error."""


def test_help_shows_flags_without_a_value_type():
    from typer.testing import CliRunner

    from chromalab.cli import app

    runner = CliRunner()
    for command in ("colorize", "train", "export"):
        res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        assert "<bool>" not in res.output, res.output
    res = runner.invoke(app, ["colorize", "--help"], env={"COLUMNS": "200"})
    assert "<int range>" in res.output  # options with a value keep their type

def test_a_flag_given_a_value_is_one_clear_line(tmp_path):
    from typer.testing import CliRunner

    from chromalab.cli import app

    photo = tmp_path / "a.png"
    photo.write_bytes(b"")
    res = CliRunner().invoke(app, ["colorize", str(photo), "--overwrite", "true", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "flags take no value" in res.output
