"""The watchlist's columns (quote, market state, day and year ranges, premium) over the company
tree, and what the worker reads for them besides the rows."""

from __future__ import annotations

import time
from dataclasses import dataclass

from briefing.domain import formatting as fmt
from briefing.domain import market_hours
from briefing.domain import preferences as prefs
from briefing.domain.models import WatchlistRow
from briefing.domain.price_state import QUOTE, stale_text
from briefing.ui.colors import up_down
from briefing.ui.table_model import RIGHT, Column
from briefing.ui.watchlist_columns import EXCHANGE, LOCAL, as_of_text, extra_columns
from briefing.ui.watchlist_sparkline import sparkline_column
from briefing.ui.watchlist_tree import WatchlistTreeModel


def _name(r: WatchlistRow) -> str:
    if r.company is not None:
        return r.company.display_name
    return r.listing.name_en or r.listing.symbol


UP_COLOURS_KEY = prefs.UP_COLOURS  # store setting: "green-up" (default) or "red-up"


def _as_of_tooltip(r: WatchlistRow, mode: str) -> str:
    if r.quote is None:
        return "no quote yet"
    other = as_of_text(r.quote.as_of, r.listing.timezone, LOCAL if mode == EXCHANGE else EXCHANGE)
    return f"{other}\nsource: {r.quote.source}"


def watchlist_columns(red_up=False, time_zone=EXCHANGE) -> list[Column[WatchlistRow]]:
    """The quote columns; `red_up` and `time_zone` ("ui.timezone_display") are values or callables
    read at paint time (the settings can change)."""
    q = lambda r: r.quote  # noqa: E731
    ru = red_up if callable(red_up) else (lambda: red_up)
    tz = time_zone if callable(time_zone) else (lambda: time_zone)
    return [
        Column("Name", _name),
        Column("Symbol", lambda r: r.listing.symbol),
        Column("Exch.", lambda r: r.listing.exchange, tooltip=lambda r: r.listing.exchange),
        Column("Last", lambda r: fmt.price(q(r) and q(r).last), RIGHT, sort_key=lambda r: q(r) and q(r).last),
        Column("Change", lambda r: fmt.change(q(r) and q(r).change), RIGHT,
               foreground=lambda r: up_down(q(r) and q(r).change, ru()), sort_key=lambda r: q(r) and q(r).change),
        Column("% Change", lambda r: fmt.percent(q(r) and q(r).change_pct), RIGHT,
               foreground=lambda r: up_down(q(r) and q(r).change_pct, ru()),
               sort_key=lambda r: q(r) and q(r).change_pct),
        Column("Ccy", lambda r: r.listing.currency),
        Column("Volume", lambda r: fmt.volume(q(r) and q(r).volume), RIGHT, sort_key=lambda r: q(r) and q(r).volume),
        Column("As of", lambda r: as_of_text(r.quote and r.quote.as_of, r.listing.timezone, tz()),
               tooltip=lambda r: _as_of_tooltip(r, tz()), sort_key=lambda r: q(r) and q(r).as_of),
    ]


def market_column(store, rows: list[WatchlistRow]) -> dict[str, tuple[str, str]]:
    """Market state (once the calendars are loaded) and staleness of each row (worker thread)."""
    now = time.time()
    states = {s.symbol: s for s in store.prices.state.all([r.listing.symbol for r in rows]) if s.interval == QUOTE}
    out = {}
    for r in rows:
        loaded = market_hours.is_loaded(market_hours.calendar_code(r.listing))
        out[r.listing.symbol] = (market_hours.market_state(r.listing, now).label if loaded else "",
                                 stale_text(states.get(r.listing.symbol)))
    return out


def premium_column(store, rows: list[WatchlistRow]) -> dict:
    """HK-vs-ADR premium of each dual-listed row's company (worker thread).

    Pairing an HK close with the following US session needs the exchange calendars (~1 s to load):
    until they are loaded (after the first paint) the column stays empty, like the market state.
    """
    from briefing.services.premiums import premium_for

    if not market_hours.all_loaded():
        return {}
    now, by_company, out = time.time(), {}, {}
    for r in rows:
        cid = r.listing.company_id
        if cid is None:
            continue
        if cid not in by_company:
            by_company[cid] = premium_for(store, r.listing.symbol, now)
        if by_company[cid] is not None:
            out[r.listing.symbol] = by_company[cid]
    return out


class WatchlistModel(WatchlistTreeModel):
    """The watchlist's companies and listings with their quote, market state and premium columns."""

    def __init__(self, parent=None) -> None:
        self.market: dict[str, tuple[str, str]] = {}  # symbol -> (market state, "stale since ... (why)")
        self.premiums: dict = {}  # symbol -> AdrPremium of its company (dual-listed only)
        self.sparks: dict[str, tuple[float, ...]] = {}  # symbol -> the last month's closes
        self.red_up = False  # Chinese convention: red for a rise
        self.time_zone = EXCHANGE  # "ui.timezone_display": exchange, local or both
        super().__init__(model_columns(self), parent)
        self.company_only = {self.column_index("HK/ADR prem.")}  # on the company row, not on each line

    def prepare(self, rows: list[WatchlistRow], market: dict, premiums: dict, sparks: dict, red_up: bool,
                time_zone: str) -> dict:
        """Worker thread: the cells of `rows` shown with these values (what `show_rows` and the
        panel's settings will make the model's): `_cells` then only looks them up."""
        values = _Values(market, premiums, sparks, red_up, time_zone)
        return self.cells_for(rows, model_columns(values))

    def set_red_up(self, red_up: bool) -> None:
        if red_up != self.red_up:
            self.red_up = red_up
            self.refresh_columns()

    def set_time_zone(self, mode: str) -> None:
        if mode != self.time_zone:
            self.time_zone = mode
            self.refresh_columns()

    def show_rows(self, rows: list[WatchlistRow], market: dict, premiums: dict, sparks: dict,
                  prepared: dict | None = None) -> None:
        """New rows and the columns read beside them, written in one pass: each changed row is
        signalled once (a quote batch changes the rows, their sparklines and staleness together).
        `prepared`: their cells from `prepare`, with the same values."""
        self.set_rows(rows, touched=self._take(market, premiums, sparks), prepared=prepared)

    def _take(self, market: dict, premiums: dict, sparks: dict) -> set[str]:
        """Keep the columns' new values (all keyed by symbol); the symbols whose values changed.
        The columns read these dicts when a row is written, so they are updated in place."""
        touched: set[str] = set()
        for mine, new in ((self.market, market), (self.premiums, premiums), (self.sparks, sparks)):
            if new != mine:
                touched.update(k for k in mine.keys() | new.keys() if mine.get(k) != new.get(k))
                mine.clear()
                mine.update(new)
        return touched



@dataclass
class _Values:
    """What the columns read besides the rows (the model's own, or a worker's copy)."""

    market: dict
    premiums: dict
    sparks: dict
    red_up: bool
    time_zone: str


def model_columns(values) -> list[Column[WatchlistRow]]:
    """The watchlist's columns over `values` (a `WatchlistModel` or `_Values`), read when a cell is made."""
    def market_text(r: WatchlistRow) -> str:
        state, stale = values.market.get(r.listing.symbol, ("", ""))
        return f"{state} · stale" if state and stale else state or ("stale" if stale else "")

    market = Column("Market", market_text,
                    tooltip=lambda r: values.market.get(r.listing.symbol, ("", ""))[1] or "prices up to date")
    return (watchlist_columns(lambda: values.red_up, lambda: values.time_zone) + [market]
            + extra_columns(values.premiums) + [sparkline_column(values.sparks, lambda: values.red_up)])
