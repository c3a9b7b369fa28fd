"""A command whose extra is missing says which extra to install, in one line."""

import importlib.util
import sys

import pytest

from chromalab.core import extras


def hide(monkeypatch, *modules):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in modules else real(name, *a))


def test_require_names_the_extra(monkeypatch):
    hide(monkeypatch, "lightning")
    with pytest.raises(extras.MissingExtra, match=r"training needs the extra: pip install 'chromalab\[train\]'"):
        extras.require("train", "training")
    extras.require("web", "the web server")  # installed here: no error


@pytest.mark.parametrize("argv, extra", [(["train", "--out", "x"], "train"), (["serve"], "web")])
def test_cli_prints_one_line_and_exits_1(monkeypatch, capsys, argv, extra):
    from chromalab.cli import main

    hide(monkeypatch, "lightning", "fastapi")
    monkeypatch.setattr(sys, "argv", ["chromalab", *argv])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"pip install 'chromalab[{extra}]'" in err[0]

