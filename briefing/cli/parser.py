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


def build_parser() -> argparse.ArgumentParser:
    from briefing.cli import doctor, events, export, feeds, news, prices, refresh, watchlist

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
    for module in (doctor, watchlist, events, prices, refresh, export, feeds, news):
        module.register(sub, lambda p: _global_options(p, top=False))
    return parser
