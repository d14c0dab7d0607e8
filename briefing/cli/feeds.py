"""`briefing feeds list|add|remove|edit|import-opml|export-opml`: the subscriptions, headless."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from briefing.cli.common import emit, profile_for


def register(sub, add_globals) -> None:
    p = sub.add_parser("feeds", help="manage news feeds (RSS/Atom/JSON Feed) and OPML files")
    add_globals(p)
    fs = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_: str) -> argparse.ArgumentParser:
        a = fs.add_parser(name, help=help_)
        a.add_argument("--json", action="store_true", help="print JSON")
        add_globals(a)
        a.set_defaults(handler=run)
        return a

    action("list", "list feeds with their state (last fetch, last error, items, unread)")
    a = action("add", "subscribe to a feed")
    a.add_argument("url")
    a.add_argument("--title", default="")
    a.add_argument("--folder", default="", help='e.g. "China / Tech"')
    a.add_argument("--every", type=int, default=30, metavar="MIN", help="refresh interval in minutes (default 30)")
    a = action("remove", "unsubscribe (its unstarred items go too)")
    a.add_argument("feeds", nargs="+", metavar="FEED", help="id, address or title")
    a = action("edit", "change a feed")
    a.add_argument("feed", metavar="FEED", help="id, address or title")
    a.add_argument("--title")
    a.add_argument("--url")
    a.add_argument("--folder")
    a.add_argument("--every", type=int, metavar="MIN")
    on = a.add_mutually_exclusive_group()
    on.add_argument("--enable", action="store_true")
    on.add_argument("--disable", action="store_true")
    a = action("import-opml", "subscribe to the feeds of an OPML file (lenient with ill-formed files)")
    a.add_argument("file", type=Path)
    a = action("export-opml", "write every feed to an OPML file ('-' for standard output)")
    a.add_argument("file")


def _when(ts: int | None) -> str:
    return "never" if ts is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _status_dict(s) -> dict:
    f = s.feed
    return {"id": f.id, "title": f.title, "url": f.url, "folder": f.folder, "enabled": f.enabled,
            "state": s.state, "refresh_minutes": f.refresh_minutes, "last_fetch": f.last_fetch,
            "last_success": f.last_success, "last_error": f.last_error, "last_warning": f.last_warning,
            "failures": f.failures, "items": s.items, "unread": s.unread}


def _find(store, ref: str):
    from briefing.cli import CommandError

    feed = store.feeds.find(ref)
    if feed is None:
        raise CommandError(f"no feed {ref!r} (give its id, address or exact title; see `briefing feeds list`)")
    return feed


def _check_url(url: str) -> None:
    from briefing.cli import CommandError
    from briefing.sources.http import FetchError, check_scheme

    try:
        check_scheme(url)
    except FetchError as exc:
        raise CommandError(str(exc)) from None


def run(args) -> int:
    from briefing.cli import CommandError
    from briefing.domain.models import Feed
    from briefing.sources.opml import OpmlError
    from briefing.store.feeds import FeedError

    with profile_for(args) as profile:
        store = profile.store
        act = args.action
        try:
            if act == "list":
                statuses = store.feeds.statuses()
                lines = [f"{s.feed.id:>4} {s.state:<13} {s.feed.title or s.feed.url}  [{s.items} items, {s.unread} "
                         f"unread, every {s.feed.refresh_minutes} min, last {_when(s.feed.last_fetch)}]"
                         + (f"\n       {s.feed.url}") + (f"\n       problem: {s.feed.last_error or s.feed.last_warning}"
                                                           if s.feed.last_error or s.feed.last_warning else "")
                         for s in statuses]
                emit(args, [_status_dict(s) for s in statuses], lines or ["no feeds"])
            elif act == "add":
                _check_url(args.url)
                if args.every < 1:
                    raise CommandError("--every must be at least 1 minute")
                fid = store.feeds.add(Feed(args.url, args.title, refresh_minutes=args.every, folder=args.folder))
                emit(args, {"id": fid, "url": args.url}, [f"added feed {fid}: {args.url}"])
            elif act == "remove":
                removed = []
                for ref in args.feeds:
                    feed = _find(store, ref)
                    removed.append({"id": feed.id, "url": feed.url, "items_removed": store.feeds.remove(feed.id)})
                emit(args, removed, [f"removed feed {r['id']} ({r['url']}) and {r['items_removed']} items"
                                     for r in removed])
            elif act == "edit":
                feed = _find(store, args.feed)
                values = {k: v for k, v in (("title", args.title), ("url", args.url), ("folder", args.folder),
                                            ("refresh_minutes", args.every)) if v is not None}
                if args.url is not None:
                    _check_url(args.url)
                if args.enable or args.disable:
                    values["enabled"] = bool(args.enable)
                if not values:
                    raise CommandError("nothing to change: give --title, --url, --folder, --every, --enable or "
                                       "--disable")
                saved = store.feeds.update(feed.id, **values)
                emit(args, {"id": saved.id, **values}, [f"feed {saved.id}: {saved.title or saved.url} saved"])
            elif act == "import-opml":
                from briefing.services.feed_files import import_opml

                report = import_opml(store, args.file)
                emit(args, {"added": report.added, "already": report.already, "skipped": list(report.skipped),
                            "warning": report.warning}, [report.summary()])
            elif act == "export-opml":
                from briefing.services.feed_files import export_opml
                from briefing.sources.opml import write_opml

                if args.file == "-":
                    sys.stdout.buffer.write(write_opml([f for f in store.feeds.all() if ".invalid/" not in f.url]))
                else:
                    n = export_opml(store, Path(args.file))
                    emit(args, {"exported": n, "file": args.file}, [f"exported {n} feeds to {args.file}"])
        except (FeedError, OpmlError) as exc:
            raise CommandError(str(exc)) from None
        return 0
