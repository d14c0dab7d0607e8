"""`briefing refresh --prices [SYMBOL...]`: fetch what the cache lacks, headless, then exit.

Daily bars (the gap only; ten years on first use) and one batch of quotes for the watched
symbols (or those named). Polite like the app: one request budget, a spent budget is waited for,
a 429 with a short Retry-After is waited for once, a long one stops the run. Prints a summary;
exits 1 only when nothing at all could be fetched.
"""

from __future__ import annotations

import sys
import time

from briefing.cli.common import emit, profile_for

MAX_WAIT_S = 65.0  # a spent budget frees a token within a minute; longer means the server said stop


def register(sub, add_globals) -> None:
    p = sub.add_parser("refresh", help="fetch new data into the cache and exit (headless)")
    p.add_argument("--prices", action="store_true", help="daily bars and quotes of the watched symbols")
    p.add_argument("--news", action="store_true", help="the news feeds that are due (issue 5; see `briefing feeds`)")
    p.add_argument("--force", action="store_true", help="with --news: every enabled feed, due or not")
    p.add_argument("symbols", nargs="*", help="only these symbols (default: every watchlist member and USD/HKD)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_globals(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from briefing.cli import CommandError

    if not args.prices and not args.news:
        print("briefing refresh: error: say what to refresh: --prices and/or --news", file=sys.stderr)
        return 2
    if args.offline:
        raise CommandError("refresh needs the network, and --offline was given")
    with profile_for(args) as profile:
        if args.demo or profile.store.is_demo():
            raise CommandError("the demo profile never fetches real prices or news")
        code = _refresh_prices(args, profile) if args.prices else 0
        if args.news:
            from briefing.cli.news import refresh_news

            code = max(code, refresh_news(args, profile))
        return code


def _patiently(fn, what: str):
    """Run `fn`; when the budget (or a short Retry-After) says wait, wait and try again."""
    from briefing.sources.errors import RateLimited, SourceError

    for _ in range(5):
        try:
            outcome = fn()
        except SourceError as exc:
            outcome = exc
        err = outcome if isinstance(outcome, RateLimited) else getattr(outcome, "error", None)
        if not isinstance(err, RateLimited) or err.retry_after > MAX_WAIT_S:
            return outcome
        print(f"briefing: {what}: waiting {err.retry_after:.0f} s ({err.kind.replace('_', ' ')})", file=sys.stderr)
        time.sleep(err.retry_after + 0.1)
    return outcome


def _refresh_prices(args, profile) -> int:
    from briefing.services.price_refresh import PriceRefresher, yahoo_source_for
    from briefing.sources.errors import SourceError

    store = profile.store
    refresher = PriceRefresher(store, yahoo_source_for(profile.paths, store))
    symbols = [s.strip().upper() for s in args.symbols] or refresher.tracked_symbols()
    started = time.monotonic()
    report: dict[str, dict] = {s: {"daily": None, "quote": None} for s in symbols}
    for s in symbols:
        outcome = _patiently(lambda s=s: refresher.refresh_daily(s, force=bool(args.symbols)), f"{s} daily bars")
        if isinstance(outcome, SourceError):
            report[s]["daily"] = {"ok": False, "error": outcome.text}
        elif outcome.error is not None:
            report[s]["daily"] = {"ok": False, "error": outcome.error.text}
        else:
            report[s]["daily"] = {"ok": True, "new_bars": outcome.new_bars, "cached": outcome.skipped == "cached"}
    answers = _patiently(lambda: refresher.refresh_quotes(symbols), "quotes")
    for s in symbols:
        a = answers.get(s) if isinstance(answers, dict) else answers
        if isinstance(a, SourceError):
            report[s]["quote"] = {"ok": False, "error": a.text}
        elif a is not None:
            report[s]["quote"] = {"ok": True, "last": a.last, "as_of": a.as_of}
    ok = [s for s, r in report.items() if any(x and x["ok"] for x in r.values())]
    lines = []
    for s, r in report.items():
        d, q = r["daily"], r["quote"]
        daily = ("up to date" if d["cached"] else f"+{d['new_bars']} daily bars") if d and d["ok"] else \
            f"daily bars failed: {d['error'] if d else '?'}"
        quote = f"quote {q['last']:g}" if q and q["ok"] else f"quote failed: {q['error'] if q else 'no answer'}"
        lines.append(f"{s:<9} {daily}; {quote}")
    lines.append(f"{len(ok)} of {len(symbols)} symbols refreshed in {time.monotonic() - started:.1f} s "
                 f"({refresher.source.budget.total} requests)")
    emit(args, {"symbols": report, "refreshed": len(ok), "requests": refresher.source.budget.total}, lines)
    return 0 if ok else 1
