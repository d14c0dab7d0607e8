"""How a watchlist's rows are grouped for the tree: a company with several listings in the list
is one row standing for its primary line, with those listings under it (plain Python: the Qt
model is `briefing.ui.watchlist_tree`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefing.domain.models import WatchlistRow


@dataclass(frozen=True)
class Node:
    """One top-level row: a company with its listings in `lines`, or one listing (`lines` empty)."""

    key: str  # "company:<id>" for a company row, else the symbol
    row: WatchlistRow  # what the row's columns show: a company's primary line (with its company)
    lines: tuple[WatchlistRow, ...] = ()

    @property
    def symbols(self) -> list[str]:
        return [r.listing.symbol for r in self.lines] or [self.row.listing.symbol]

    @property
    def shape(self) -> tuple:
        return self.key, tuple(self.symbols)


def primary_line(rows: Sequence[WatchlistRow]) -> WatchlistRow:
    """The line a company row stands for: its Hong Kong shares, else its first ordinary line."""
    for wanted in (lambda r: r.listing.exchange == "XHKG" and r.listing.kind == "ordinary",
                   lambda r: r.listing.kind == "ordinary"):
        for r in rows:
            if wanted(r):
                return r
    return rows[0]


def group_rows(rows: Sequence[WatchlistRow]) -> list[Node]:
    """Listings of one company gathered under it, at the place of its first listing in the list."""
    groups: dict[str, list[WatchlistRow]] = {}
    for r in rows:
        cid = r.listing.company_id
        groups.setdefault(f"company:{cid}" if cid else r.listing.symbol, []).append(r)
    return [Node(m[0].listing.symbol, m[0]) if len(m) == 1 else Node(key, primary_line(m), tuple(m))
            for key, m in groups.items()]


def listing_label(r: WatchlistRow) -> str:
    """How a listing row under its company is named: which line it is."""
    listing = r.listing
    if listing.kind == "adr":
        return "US ADR" if listing.currency == "USD" else "ADR"
    if listing.exchange == "XHKG":
        return "HK shares"
    return listing.name_en or listing.symbol
