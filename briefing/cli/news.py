"""`briefing news list|show|mark-read|mark-unread|star|unstar|alerts|retention`, and the news part
of `briefing refresh --news`."""

from __future__ import annotations

import argparse
import time

from briefing.cli.common import emit, profile_for


def register(sub, add_globals) -> None:
    p = sub.add_parser("news", help="read, search and mark news items; alert rules; retention")
    add_globals(p)
    ns = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_: str) -> argparse.ArgumentParser:
        a = ns.add_parser(name, help=help_)
        a.add_argument("--json", action="store_true", help="print JSON")
        add_globals(a)
        a.set_defaults(handler=run)
        return a

    def filters(a: argparse.ArgumentParser) -> None:
        a.add_argument("--company", help="a company id or name, English or Chinese (baidu, 百度, BABA...)")
        a.add_argument("--watchlist", help="items about any company in this watchlist")
        a.add_argument("--feed", help="items carried by this feed (id, address or title)")
        a.add_argument("--search", default="", metavar="Q", help="full-text search (English or 中文)")
        a.add_argument("--unread", action="store_true", help="unread items only")
        a.add_argument("--starred", action="store_true", help="starred items only")

    a = action("list", "list items, newest first")
    filters(a)
    a.add_argument("--limit", type=int, default=50, metavar="N")
    a = action("show", "one item in full, with its sources")
    a.add_argument("id")
    for verb, help_ in (("mark-read", "mark items read (by id, or --all with the list filters)"),
                        ("mark-unread", "mark items unread (by id, or --all with the list filters)")):
        a = action(verb, help_)
        a.add_argument("ids", nargs="*", metavar="ID")
        a.add_argument("--all", action="store_true", help="every item the filters select")
        filters(a)
    for verb in ("star", "unstar"):
        a = action(verb, f"{verb} items")
        a.add_argument("ids", nargs="+", metavar="ID")
    a = action("alerts", "list, add or remove alert rules (notify on new items that mention X)")
    a.add_argument("op", nargs="?", choices=("list", "add", "remove"), default="list")
    a.add_argument("kind", nargs="?", help="add: company | keyword; remove: the rule's number")
    a.add_argument("value", nargs="?", help="add: a company (id or name) or words")
    a = action("retention", "show or set how many days unstarred items are kept (0: forever)")
    a.add_argument("days", nargs="?", type=int)


def _company(store, ref: str) -> str:
    from briefing.cli import CommandError
    from briefing.domain.tagging import default_tagger

    ref = ref.strip()
    for c in store.instruments.companies():
        if ref.casefold() in (c.id, c.name_en.casefold(), c.name_zh.casefold()):
            return c.id
    tags = default_tagger().tag(ref)
    if len(tags) == 1:
        return tags[0]
    raise CommandError(f"unknown company {ref!r} (try baidu, alibaba, tencent, sensetime, or a Chinese name)")


def _filter(args, store, limit: int = 1_000_000):
    from briefing.cli import CommandError
    from briefing.store.news import NewsFilter

    companies = (_company(store, args.company),) if getattr(args, "company", None) else ()
    watchlist_id = feed_id = None
    if getattr(args, "watchlist", None):
        found = store.watchlists.get(args.watchlist)
        if found is None:
            raise CommandError(f"no watchlist named {args.watchlist!r}")
        watchlist_id = found.id
    if getattr(args, "feed", None):
        feed = store.feeds.find(args.feed)
        if feed is None:
            raise CommandError(f"no feed {args.feed!r}")
        feed_id = feed.id
    return NewsFilter(companies=companies, watchlist_id=watchlist_id, feed_id=feed_id, unread_only=args.unread,
                      starred_only=args.starred, text=args.search, limit=limit)


def _item_dict(i) -> dict:
    return {"id": i.id, "title": i.title, "url": i.url, "published": i.published, "source": i.source,
            "sources": i.source_count, "companies": list(i.companies), "read": i.is_read, "starred": i.starred,
            "summary": i.summary, "demo": i.is_demo}


def _line(i) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(i.published)) if i.published else "undated"
    flags = ("★" if i.starred else " ") + ("●" if not i.is_read else " ")
    tags = f" [{', '.join(i.companies)}]" if i.companies else ""
    more = f" +{i.source_count - 1}" if i.source_count > 1 else ""
    return f"{flags} {when}  {i.title}{tags}  — {i.source}{more}  ({i.id})"


def run(args) -> int:
    from briefing.cli import CommandError

    with profile_for(args) as profile:
        store = profile.store
        act = args.action
        if act == "list":
            if args.limit < 1:
                raise CommandError("--limit must be at least 1")
            items = store.news.items(_filter(args, store, args.limit))
            emit(args, [_item_dict(i) for i in items], [_line(i) for i in items] or ["no items"])
        elif act == "show":
            detail = store.news.detail(args.id)
            if detail is None:
                raise CommandError(f"no news item {args.id!r}")
            data = {**_item_dict(detail.item), "author": detail.author, "date_guessed": detail.date_guessed,
                    "sources": [{"feed": s.feed_title, "url": s.url, "title": s.title, "published": s.published}
                                for s in detail.sources]}
            emit(args, data, [_line(detail.item), detail.item.url, "", detail.item.summary, ""]
                 + [f"source: {s.feed_title}: {s.url}" for s in detail.sources])
        elif act in ("mark-read", "mark-unread"):
            read = act == "mark-read"
            if args.all:
                n = store.news.mark_read(read=read, flt=_filter(args, store))
            elif args.ids:
                n = store.news.mark_read(args.ids, read=read)
            else:
                raise CommandError(f"say which items: ids, or --all (with filters) to {act} everything they select")
            emit(args, {"changed": n}, [f"{n} item(s) marked {'read' if read else 'unread'}"])
        elif act in ("star", "unstar"):
            known = {i.id for i in store.news.by_ids(args.ids)}
            missing = [i for i in args.ids if i not in known]
            if missing:
                raise CommandError(f"no news item {', '.join(missing)}")
            for news_id in args.ids:
                store.news.set_flags(news_id, starred=act == "star")
            emit(args, {"changed": len(args.ids)}, [f"{len(args.ids)} item(s) {act}red"])
        elif act == "alerts":
            _alerts(args, store)
        elif act == "retention":
            from briefing.store.news import RETENTION_SETTING

            if args.days is not None:
                if args.days < 0:
                    raise CommandError("days must be 0 (keep forever) or more")
                store.settings.set(RETENTION_SETTING, args.days)
            from briefing.domain.preferences import NEWS_RETENTION, Preferences

            days = int(Preferences.of(store).get(NEWS_RETENTION))
            emit(args, {"retention_days": days},
                 [f"unstarred items are kept {days} days; starred items forever" if days else "items are kept forever"])
        return 0


def _alerts(args, store) -> None:
    from briefing.cli import CommandError
    from briefing.domain.alerts import AlertRule
    from briefing.services.news_alerts import load_rules, save_rules

    rules = load_rules(store)
    if args.op == "add":
        if args.kind not in ("company", "keyword") or not args.value:
            raise CommandError("usage: briefing news alerts add company|keyword VALUE")
        value = _company(store, args.value) if args.kind == "company" else args.value
        rules = [*rules, AlertRule(args.kind, value)]
        save_rules(store, rules)
    elif args.op == "remove":
        if not (args.kind or "").isdigit() or not 1 <= int(args.kind) <= len(rules):
            raise CommandError(f"give the number of the rule to remove (1 to {len(rules)})")
        del rules[int(args.kind) - 1]
        save_rules(store, rules)
    rules = load_rules(store)
    emit(args, [r.to_json() for r in rules],
         [f"{n}. {r.kind}: {r.value}" for n, r in enumerate(rules, 1)] or ["no alert rules"])


def refresh_news(args, profile) -> int:
    """`briefing refresh --news`: fetch due feeds (all with --force); 1 when every fetched feed failed."""
    from briefing.services.news_refresh import NewsRefresher

    refresher = NewsRefresher(profile.store)
    try:
        report = refresher.refresh(force=bool(getattr(args, "force", False)))
    finally:
        refresher.close()
    lines = []
    for o in report.outcomes:
        if o.outcome == "error":
            lines.append(f"  failed  {o.title}: {o.error}")
        else:
            text = {"not_modified": "not modified", "unchanged": "unchanged"}.get(
                o.outcome, f"{o.new} new, {o.merged} already known from other feeds, {o.updated} updated")
            if o.too_old:
                text += f", {o.too_old} older than the retention period"
            lines.append(f"  ok      {o.title}: {text}" + (f" (warning: {o.warning})" if o.warning else ""))
    lines.append(f"news: {report.summary()}" + (f"; {report.pruned} old items pruned" if report.pruned else ""))
    data = {"feeds": [o.__dict__ for o in report.outcomes], "new": len(report.new_ids), "pruned": report.pruned,
            "not_due": report.not_due}
    emit(args, data, lines)
    return 1 if report.outcomes and len(report.errors) == len(report.outcomes) else 0
