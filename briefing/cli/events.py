"""`briefing events list|add|delete|import|export|study|flagged`: the regulation timeline."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.cli.common import emit, profile_for
from briefing.domain import event_files
from briefing.domain.event_validation import CATEGORY_LABELS, EventValidationError, category_id, event_from_record
from briefing.domain.models import EVENT_CATEGORIES, RegulationEvent

if TYPE_CHECKING:  # the study (pandas, calendars) is imported only by the commands that run one
    from briefing.domain.event_study import EventStudy


def register(sub, add_globals) -> None:
    p = sub.add_parser("events", help="list, add, import, export and study regulation events")
    add_globals(p)
    ev = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_: str, json_flag: bool = True):
        a = ev.add_parser(name, help=help_)
        if json_flag:
            a.add_argument("--json", action="store_true", help="print JSON")
        add_globals(a)
        a.set_defaults(handler=run)
        return a

    a = action("list", "list events, newest first")
    a.add_argument("--company", metavar="X", help="only events naming this company (id, name or ticker)")
    a.add_argument("--category", metavar="C", help=f"only this category ({', '.join(EVENT_CATEGORIES)})")
    a.add_argument("--origin", choices=("curated", "user", "news"), help="only curated, your own or promoted ones")
    a = action("add", "add an event of your own")
    a.add_argument("--title", required=True, help="title in English")
    a.add_argument("--title-zh", default="", help="title in Chinese, if known")
    a.add_argument("--announced", metavar="YYYY-MM-DD", help="announced (or issued) date")
    a.add_argument("--effective", metavar="YYYY-MM-DD", help="date it takes effect")
    a.add_argument("--category", required=True, help=", ".join(EVENT_CATEGORIES))
    a.add_argument("--body", default="", help="issuing body, e.g. CAC")
    a.add_argument("--company", action="append", default=[], metavar="X", help="an affected company (repeat)")
    a.add_argument("--summary", default="", help="one sentence")
    a.add_argument("--source", required=True, metavar="URL", help="where it is stated")
    a.add_argument("--id", default="", help="an id (default: made from the date and title)")
    a = action("delete", "delete an event (a curated one stays deleted after upgrades)")
    a.add_argument("event_id")
    a = action("import", "import events from a CSV or JSON file (bad rows are skipped and reported)")
    a.add_argument("file")
    a.add_argument("--format", choices=event_files.FORMATS, help="default: from the file name")
    a = action("export", "export events to a CSV or JSON file ('-' for standard output)", json_flag=False)
    a.add_argument("file")
    a.add_argument("--format", choices=event_files.FORMATS, help="default: from the file name (json for '-')")
    a.add_argument("--origin", choices=("curated", "user", "news"), help="only these")
    a = action("study", "returns of each affected listing around the event's announcement")
    a.add_argument("event_id")
    a.add_argument("--benchmark-us", metavar="SYM", help="benchmark for US lines (default KWEB)")
    a.add_argument("--benchmark-hk", metavar="SYM", help="benchmark for HK lines (default 2800.HK)")
    action("flagged", "news items flagged as regulatory, not yet promoted or dismissed")


def _fail(message: str):
    from briefing.cli import CommandError

    raise CommandError(message)


def _resolve_company(store, text: str) -> str:
    t = text.strip().casefold()
    for c in store.instruments.companies():
        names = {c.id, c.name_en, c.name_zh, *c.aliases_en, *c.aliases_zh, *c.tickers}
        if t in {n.casefold() for n in names if n}:
            return c.id
    for l in store.instruments.listings():
        if l.company_id and l.symbol.casefold() == t:
            return l.company_id
    _fail(f"unknown company {text!r} (try baidu, alibaba, tencent or sensetime)")


def _event_dict(e: RegulationEvent) -> dict:
    return {**event_files.record(e), "origin": e.origin}


def _event_line(e: RegulationEvent) -> str:
    dates = e.announced.isoformat() if e.announced else "          "
    if e.effective and e.effective != e.announced:
        dates += f" (in force {e.effective.isoformat()})"
    mark = {"user": " [yours]", "news": " [from news]"}.get(e.origin, "")
    return f"{dates}  {CATEGORY_LABELS.get(e.category, e.category):<17} {e.id}: {e.title_en}{mark}"


def _study_dict(s: EventStudy) -> dict:
    return {
        "event_id": s.event_id, "announced": s.announced, "note": s.note,
        "listings": [{
            "symbol": r.symbol, "exchange": r.exchange, "benchmark": r.benchmark, "day0": r.day0, "note": r.note,
            "windows": [{**asdict(w), "abnormal": w.abnormal, "label": w.label} for w in r.windows],
        } for r in s.reactions],
    }


def _study_lines(s: EventStudy, title: str) -> list[str]:
    from briefing.domain.event_study import WINDOWS, percent

    lines = [f"{s.event_id}: {title}", f"announced {s.announced}" + (f" ({s.note})" if s.note else "")]
    heads = "".join(f"{f'[{a:+d},{b:+d}]':>10}{'abn.':>10}" for a, b in WINDOWS)
    lines.append(f"{'listing':<9}{'day 0':<12}{heads}  benchmark")
    for r in s.reactions:
        cells = ""
        for a, b in WINDOWS:
            w = r.window(a, b)
            cells += f"{percent(w.raw) if w else 'no data':>10}{percent(w.abnormal) if w else 'no data':>10}"
        extra = f"  {r.benchmark or '-'}" + (f"  ({r.note})" if r.note else "")
        lines.append(f"{r.symbol:<9}{(r.day0.isoformat() if r.day0 else '-'):<12}{cells}{extra}")
    if not s.reactions:
        lines.append("(the event names no listed company)")
    return lines


def run(args) -> int:
    with profile_for(args) as profile:
        store = profile.store
        act = args.action
        for problem in store.settings.get("events_file_problems", []) or []:
            print(f"briefing: warning: bundled events file: skipped {problem}", file=sys.stderr)
        known = {c.id for c in store.instruments.companies()}
        if act == "list":
            events = store.events.all()
            if args.company:
                cid = _resolve_company(store, args.company)
                events = [e for e in events if cid in e.companies]
            if args.category:
                cat = category_id(args.category) or _fail(f"unknown category {args.category!r}")
                events = [e for e in events if e.category == cat]
            if args.origin:
                events = [e for e in events if e.origin == args.origin]
            emit(args, [_event_dict(e) for e in events], [_event_line(e) for e in events] or ["(no events)"])
        elif act == "add":
            raw = {"id": args.id, "title_en": args.title, "title_zh": args.title_zh, "announced": args.announced,
                   "effective": args.effective, "category": args.category, "body": args.body,
                   "companies": [_resolve_company(store, c) for c in args.company], "summary": args.summary,
                   "source_url": args.source}
            try:
                event = event_from_record(raw, companies=known, origin="user", require_id=False)
            except EventValidationError as exc:
                _fail(f"cannot add the event: {exc}")
            if not event.id:
                from dataclasses import replace

                event = replace(event, id=event_files.new_id(event, store.events.ids()))
            elif store.events.get(event.id) is not None:
                _fail(f"an event {event.id!r} exists already")
            store.events.save(event)
            emit(args, _event_dict(event), [f"added: {_event_line(event)}"])
        elif act == "delete":
            if store.events.get(args.event_id) is None:
                _fail(f"no event {args.event_id!r}")
            store.events.delete(args.event_id)
            emit(args, {"deleted": args.event_id}, [f"deleted: {args.event_id}"])
        elif act == "import":
            try:
                fmt = event_files.format_for(args.file, args.format)
                text = Path(args.file).read_text(encoding="utf-8-sig")
            except (ValueError, OSError) as exc:
                _fail(f"cannot import {args.file}: {getattr(exc, 'strerror', None) or exc}")
            events, problems = event_files.parse(text, fmt, companies=known, taken=store.events.ids())
            written = store.events.save_many(events)
            for p in problems:
                print(f"briefing: warning: {args.file}: skipped {p}", file=sys.stderr)
            emit(args, {"imported": written, "unchanged": len(events) - written,
                        "skipped": [{"row": p.row, "id": p.event_id, "reason": p.reason} for p in problems]},
                 [f"imported {written} events from {args.file}"
                  + (f" ({len(events) - written} unchanged)" if len(events) > written else "")
                  + (f"; skipped {len(problems)} rows" if problems else "")])
            return 1 if problems and not events else 0
        elif act == "export":
            try:
                fmt = "json" if args.file == "-" and not args.format else event_files.format_for(args.file, args.format)
            except ValueError as exc:
                _fail(str(exc))
            events = [e for e in store.events.all() if not args.origin or e.origin == args.origin]
            text = event_files.dump(events, fmt)
            if args.file == "-":
                sys.stdout.write(text)
            else:
                try:
                    Path(args.file).write_text(text, encoding="utf-8")
                except OSError as exc:
                    _fail(f"cannot write {args.file}: {exc.strerror or exc}")
                print(f"exported {len(events)} events to {args.file}")
        elif act == "study":
            from briefing.services.timeline import study

            event = store.events.get(args.event_id) or _fail(f"no event {args.event_id!r}")
            override = {"US": args.benchmark_us, "HK": args.benchmark_hk}
            for sym in filter(None, override.values()):
                if store.instruments.listing(sym) is None:
                    _fail(f"unknown benchmark {sym!r}: not in the instruments registry")
            result = study(store, event, {k: v for k, v in override.items() if v})
            emit(args, _study_dict(result), _study_lines(result, event.title_en))
        elif act == "flagged":
            from briefing.services.timeline import news_candidates

            found = news_candidates(store)
            emit(args, [{"news_id": c.item.id, "title": c.item.title, "published": c.item.published,
                         "url": c.item.url, "why": c.verdict.reason, "category": c.verdict.category}
                        for c in found],
                 [f"{(c.day.isoformat() if c.day else 'undated'):<11}{c.item.title}  [{c.verdict.reason}]"
                  for c in found] or ["(no flagged news)"])
        return 0
