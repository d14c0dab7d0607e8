"""The command line. Global options are accepted before or after a subcommand."""

from __future__ import annotations

import argparse

from briefing import __version__


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # In subparsers the defaults are SUPPRESS, so an option given before the subcommand is not
    # overwritten by the subparser's default.
    d = (lambda v: v) if top else (lambda v: argparse.SUPPRESS)
    g = parser.add_argument_group("global options")
    g.add_argument("--data-dir", metavar="DIR", default=d(None),
                   help="use DIR for the cache, settings and logs (default: BRIEFING_DATA_DIR, else the "
                        "platform's user data directory)")
    g.add_argument("--offline", action="store_true", default=d(False), help="never touch the network")
    g.add_argument("--demo", action="store_true", default=d(False),
                   help="use the bundled demo dataset (in its own profile unless --data-dir is given)")
    g.add_argument("-v", "--verbose", action="store_true", default=d(False), help="log debug detail to stderr")


# Subcommand -> the module that registers it. Only the modules a command line needs are imported:
# opening the window (no subcommand) imports none of them, which keeps them off its start-up path.
COMMANDS = {
    "doctor": "doctor", "watchlist": "watchlist", "events": "events", "prices": "prices",
    "quote": "prices", "import-prices": "prices", "refresh": "refresh", "export": "export",
    "feeds": "feeds", "news": "news",
}
_TAKES_VALUE = {"--data-dir", "--screenshot"}


def modules_for(argv: list[str]) -> list[str]:
    """The command modules `argv` needs: the one it names, or all of them for help and for a word
    that names no command (so argparse can list the valid choices)."""
    needed, skip = [], False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in ("-h", "--help"):
            return list(dict.fromkeys(COMMANDS.values()))
        if token in _TAKES_VALUE:
            skip = True
            continue
        if token.startswith("-"):
            continue
        if token not in COMMANDS:
            return list(dict.fromkeys(COMMANDS.values()))
        needed.append(COMMANDS[token])
        break  # what follows belongs to the subcommand
    return needed


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (None: with every subcommand, e.g. for documentation)."""
    import importlib

    names = list(dict.fromkeys(COMMANDS.values())) if argv is None else modules_for(argv)
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="China AI Briefing: prices, news and regulation for Chinese AI stocks. "
                    "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="open the window offscreen on the current data, save a PNG to PATH, exit")
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in names:
        module = importlib.import_module(f"briefing.cli.{name}")
        module.register(sub, lambda p: _global_options(p, top=False))
    return parser
