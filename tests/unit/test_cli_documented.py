"""The README's table of `omo` commands and `omo --help` agree: every command the parser has is
in the table, and every command and option the table names is one the parser takes."""

from __future__ import annotations

import argparse
import re
from importlib.metadata import version

import pytest

from infra.cli import parser
from shared.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def table() -> list[str]:
    """The first cell of each row of the README's `omo` table."""
    section = README.split("## The `omo` command", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(omo [^`]+)`", section, re.MULTILINE)


def test_every_command_is_in_the_readme_table():
    named = {row.split()[1] for row in table()}
    assert sorted(set(commands()) - named) == []


@pytest.mark.parametrize("row", table())
def test_every_option_the_table_names_is_one_the_command_takes(row):
    words = row.split()
    if words[1].startswith("--"):  # `omo --version`, the program's own
        options = parser()._option_string_actions
    else:
        assert words[1] in commands(), row
        options = commands()[words[1]]._option_string_actions
    assert [o for o in re.findall(r"--[a-z][a-z-]*", row) if o not in options] == []


def test_every_setting_a_help_text_names_is_in_the_readme_table():
    helps = [parser().format_help(), *(c.format_help() for c in commands().values())]
    named = {n for h in helps for n in re.findall(r"\b(?:OMO|DATABASE)_[A-Z_]+\b", h)}
    assert "OMO_DATA_DIR" in named  # `omo up --help` says where its data goes
    assert sorted(n for n in named if f"`{n}`" not in README) == []


def test_omo_version_names_the_installed_version(capsys):
    with pytest.raises(SystemExit) as done:
        parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"omo-grocery {version('omo-grocery')}"
