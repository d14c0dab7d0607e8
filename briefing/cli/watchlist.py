"""`briefing watchlist list|create|add|remove|move|pin|unpin|rename`."""

from __future__ import annotations

import argparse

from briefing.cli.common import emit, profile_for


def register(sub, add_globals) -> None:
    p = sub.add_parser("watchlist", help="manage watchlists")
    add_globals(p)
    wl = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_: str) -> argparse.ArgumentParser:
        a = wl.add_parser(name, help=help_)
        a.add_argument("--json", action="store_true", help="print JSON")
        add_globals(a)
        a.set_defaults(handler=run)
        return a

    def no_check(a: argparse.ArgumentParser) -> None:
        a.add_argument("--no-check", action="store_true", help="add symbols outside the registry without asking "
                       "Yahoo Finance (offline use: exchange and zone are guessed from the symbol)")

    action("list", "list watchlists (pinned first) and their members")
    a = action("create", "create a watchlist")
    a.add_argument("name")
    a.add_argument("--pin", action="store_true", help="pin it (pinned lists come first)")
    no_check(a)
    a.add_argument("symbols", nargs="*", help="symbols or company names (English or Chinese) to add")
    a = action("add", "add symbols or companies to a watchlist (symbols outside the registry are checked "
                      "with Yahoo Finance)")
    a.add_argument("name")
    no_check(a)
    a.add_argument("symbols", nargs="+", help="symbols or company names (English or Chinese)")
    a = action("remove", "remove symbols from a watchlist")
    a.add_argument("name")
    a.add_argument("symbols", nargs="+")
    a = action("move", "move a symbol to a position in a watchlist's order (1 = first)")
    a.add_argument("name")
    a.add_argument("symbol")
    a.add_argument("position", type=int)
    for verb in ("pin", "unpin", "delete"):
        a = action(verb, f"{verb} a watchlist")
        a.add_argument("name")
    a = action("rename", "rename a watchlist")
    a.add_argument("name")
    a.add_argument("new_name")


def _as_dict(w) -> dict:
    return {"id": w.id, "name": w.name, "pinned": w.pinned, "symbols": list(w.symbols)}


def _resolve(profile, args, texts: list[str]) -> list[str]:
    """Each argument as symbols in the store: the registry, else checked with Yahoo (unless
    `--no-check`; `--offline` cannot check, and says so)."""
    from briefing.cli import CommandError
    from briefing.domain.symbol_lookup import SymbolLookupError
    from briefing.services.symbol_check import symbols_for

    def source():
        from briefing.services import price_refresh

        return price_refresh.yahoo_source_for(profile.paths, profile.store)

    out: dict[str, None] = {}
    for text in texts:
        try:
            found = symbols_for(profile.store, text, None if args.offline else source,
                                check=not getattr(args, "no_check", False))
        except SymbolLookupError as exc:
            hint = "; pass --no-check to add it unchecked" if "could not be checked" in str(exc) else ""
            raise CommandError(f"{exc}{hint}") from None
        out.update(dict.fromkeys(found))
    return list(out)


def run(args) -> int:
    with profile_for(args) as profile:
        lists = profile.store.watchlists
        symbols = [s.strip().upper() for s in getattr(args, "symbols", [])]
        act = args.action
        if act == "add":
            lists.get(args.name)  # an unknown list fails before anything is fetched
        if act in ("create", "add"):
            symbols = _resolve(profile, args, args.symbols)
        if act == "create":
            lists.create(args.name, pinned=args.pin)
            if symbols:
                lists.add(args.name, symbols)
        elif act == "add":
            lists.add(args.name, symbols)
        elif act == "remove":
            missing = set(symbols) - set(lists.remove(args.name, symbols))
            if missing:
                from briefing.store.watchlists import WatchlistError

                raise WatchlistError(f"not in {args.name!r}: {', '.join(sorted(missing))}")
        elif act == "move":
            lists.move(args.name, args.symbol.strip().upper(), max(args.position, 1) - 1)
        elif act in ("pin", "unpin"):
            lists.set_pinned(args.name, act == "pin")
        elif act == "delete":
            lists.delete(args.name)
        elif act == "rename":
            lists.rename(args.name, args.new_name)
        if act == "list":
            everything = lists.all()
            emit(args, [_as_dict(w) for w in everything],
                 [f"{'*' if w.pinned else ' '} {w.name}: {' '.join(w.symbols) or '(empty)'}" for w in everything])
        else:
            target = args.new_name if act == "rename" else args.name
            shown = None if act == "delete" else lists.get(target)
            emit(args, _as_dict(shown) if shown else {"deleted": args.name},
                 [f"{act}: {target}" + (f" -> {' '.join(shown.symbols) or '(empty)'}" if shown else "")])
        return 0
