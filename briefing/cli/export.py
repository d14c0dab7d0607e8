"""`briefing export`: write the day's briefing as PDF, HTML, Markdown or CSV, with no display.

Prints the written file's path on stdout (notes such as "markets were closed" go to stderr), so
cron can pipe it on: `briefing export --out ~/briefings/ | xargs -r mail-it`. Exit 0 when written,
1 on a failure (one line on stderr), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime

from briefing.cli.common import profile_for
from briefing.export.formats import DEFAULT_NEWS_PER_COMPANY, FORMATS, PAGE_SIZES


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 20:
        raise argparse.ArgumentTypeError(f"not a count from 0 to 20: {text!r}")
    return n


def register(sub, add_globals) -> None:
    p = sub.add_parser(
        "export", help="write the daily briefing (PDF, HTML, Markdown or CSV); needs no display",
        description="Write the day's briefing from the cache: market table, charts, top news and "
                    "regulation. Prints the path of the file written.")
    p.add_argument("--date", type=_day, metavar="YYYY-MM-DD",
                   help="the day of the briefing (default: today in this machine's time zone); on a "
                        "weekend or holiday the briefing names the last session")
    p.add_argument("--watchlist", metavar="NAME", help="which watchlist (default: the pinned one)")
    p.add_argument("--format", choices=FORMATS, help="default: from --out's extension, else pdf")
    p.add_argument("--out", metavar="PATH",
                   help="the file to write, or a folder for the default name "
                        "(briefing-DATE-WATCHLIST.EXT; default: the current folder)")
    p.add_argument("--page-size", choices=PAGE_SIZES, default="a4", help="PDF page size (default: a4)")
    p.add_argument("--news", type=_count, default=DEFAULT_NEWS_PER_COMPANY, metavar="N",
                   help=f"at most N news items per company (default: {DEFAULT_NEWS_PER_COMPANY})")
    p.add_argument("--refresh", action="store_true",
                   help="fetch prices into the cache first (needs the network); without it the "
                        "briefing uses the cache as it is and says how fresh it is")
    add_globals(p)
    p.set_defaults(handler=run)


def _usage(message: str) -> int:
    print(f"briefing export: error: {message}", file=sys.stderr)
    return 2


def run(args) -> int:
    from briefing.cli import CommandError
    from briefing.export.run import format_for

    implied = format_for(args.out)
    if args.format and implied and implied != args.format:
        return _usage(f"--out {args.out} is not a .{args.format} file (use --format {implied}, or another name)")
    if args.out and not implied and not args.format and not (os.path.isdir(args.out) or args.out.endswith(("/", "\\"))):
        return _usage(f"say which format to write to {args.out}: --format {'|'.join(FORMATS)}")
    fmt = args.format or implied or "pdf"
    if args.refresh and args.offline:
        return _usage("--refresh needs the network, and --offline was given")
    with profile_for(args) as profile:
        if args.refresh:
            _refresh(args, profile)
        return _export(args, profile, fmt, CommandError)


def _refresh(args, profile) -> None:
    """Fetch prices and news first, with the app's own refreshers (`briefing refresh` for prices)."""
    from briefing.cli import CommandError

    if args.demo or profile.store.is_demo():
        raise CommandError("--refresh: the demo profile never fetches real data (export without --refresh)")
    try:
        from briefing.cli.refresh import _refresh_prices
        from briefing.services.news_refresh import NewsRefresher
    except ImportError:
        raise CommandError("--refresh is not available in this version: fetching is not built yet. "
                           "Export without --refresh to use the cache as it is.") from None
    refresh_args = argparse.Namespace(**vars(args))
    refresh_args.symbols, refresh_args.json = [], False
    stdout, sys.stdout = sys.stdout, sys.stderr  # the refresh summary is a note: stdout is the path
    try:
        prices_ok = _refresh_prices(refresh_args, profile) == 0
    finally:
        sys.stdout = stdout
    report = NewsRefresher(profile.store).refresh()
    print(f"briefing: news: {report.summary()}", file=sys.stderr)
    if not prices_ok:
        print("briefing: warning: no prices could be fetched; the briefing uses the cache as it is",
              file=sys.stderr)


def _export(args, profile, fmt: str, CommandError) -> int:
    from briefing.export.build import ExportError
    from briefing.export.files import ExportPathError
    from briefing.export.model import BriefingOptions
    from briefing.export.run import export_briefing, needs_charts

    if needs_charts(fmt):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # charts and the PDF never need a screen
        from briefing.ui.chart_render import ensure_app

        ensure_app()
    options = BriefingOptions(day=args.date, watchlist=args.watchlist, news_per_company=args.news,
                              offline=args.offline)
    try:
        result = export_briefing(profile.store, options, fmt, args.out, now=datetime.now().astimezone(),
                                 page_size=args.page_size)
    except (ExportError, ExportPathError) as exc:
        raise CommandError(str(exc)) from None
    for note in result.notices:
        print(f"briefing: note: {note}", file=sys.stderr)
    print(result.path)
    return 0
