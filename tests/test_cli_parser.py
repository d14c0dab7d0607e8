"""The command line imports only the command modules it needs (the window's start-up path none)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from briefing.cli.parser import COMMANDS, build_parser, modules_for


@pytest.mark.parametrize("argv, expected", [
    ([], []),
    (["--demo", "--data-dir", "news"], []),  # "news" is the directory here, not the command
    (["--screenshot", "shot.png"], []),
    (["--offline", "watchlist", "list", "--json"], ["watchlist"]),
    (["quote", "BIDU", "--data-dir", "x"], ["prices"]),
    (["import-prices", "BIDU", "bars.csv"], ["prices"]),
])
def test_only_the_named_command_is_registered(argv, expected):
    assert modules_for(argv) == expected
    sub = next(a for a in build_parser(argv)._actions if a.dest == "command")
    assert {COMMANDS[name] for name in sub.choices} == set(expected)


@pytest.mark.parametrize("argv", [["--help"], ["bogus"], ["--demo", "-h"]])
def test_help_and_unknown_words_see_every_command(argv):
    assert set(modules_for(argv)) == set(COMMANDS.values())


def test_an_unknown_command_lists_the_choices(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser(["bogus"]).parse_args(["bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in err and "'watchlist'" in err and "'import-prices'" in err


def test_opening_the_window_imports_no_command_module():
    code = ("import sys; from briefing.cli.parser import build_parser; build_parser(['--demo']);"
            "print(sorted(m for m in sys.modules if m.startswith('briefing.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['briefing.cli.parser']"
