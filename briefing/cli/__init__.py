"""`briefing`: the GUI with no subcommand, and subcommands that need no display.

Errors are one line on stderr; exit code 2 for usage errors, 1 for failures.
"""

from __future__ import annotations

import sys

from briefing.cli.parser import build_parser


class CommandError(Exception):
    """A failure to report in one line (exit code 1)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from briefing.app import run_gui

            return run_gui(args)
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except CommandError as exc:
        print(f"briefing: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a store/user error: one clear line, not a traceback
        from briefing.store import StoreError

        if isinstance(exc, StoreError):
            print(f"briefing: error: {exc}", file=sys.stderr)
            return 1
        raise
