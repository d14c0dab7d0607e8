"""Watchlist panel: the chosen list's members with their last quote; selection drives the chart."""

from __future__ import annotations

import time

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout

from briefing.domain import formatting as fmt
from briefing.domain import market_hours
from briefing.domain.models import Watchlist, WatchlistRow
from briefing.domain.price_state import QUOTE, stale_text
from briefing.store import changes as topics
from briefing.store.price_state import PRICE_STATE
from briefing.ui.colors import up_down
from briefing.ui.panel import Panel
from briefing.ui.table_model import RIGHT, SORT_ROLE, Column, RowTableModel


def _name(r: WatchlistRow) -> str:
    if r.company is not None:
        return r.company.display_name
    return r.listing.name_en or r.listing.symbol


def _as_of(r: WatchlistRow) -> str:
    return "–" if r.quote is None else fmt.local_time(r.quote.as_of, r.listing.timezone, "%m-%d %H:%M")


def watchlist_columns(red_up: bool = False) -> list[Column[WatchlistRow]]:
    q = lambda r: r.quote  # noqa: E731
    return [
        Column("Name", _name),
        Column("Symbol", lambda r: r.listing.symbol),
        Column("Exch.", lambda r: r.listing.exchange, tooltip=lambda r: r.listing.exchange),
        Column("Last", lambda r: fmt.price(q(r) and q(r).last), RIGHT, sort_key=lambda r: q(r) and q(r).last),
        Column("Change", lambda r: fmt.change(q(r) and q(r).change), RIGHT,
               foreground=lambda r: up_down(q(r) and q(r).change, red_up), sort_key=lambda r: q(r) and q(r).change),
        Column("% Change", lambda r: fmt.percent(q(r) and q(r).change_pct), RIGHT,
               foreground=lambda r: up_down(q(r) and q(r).change_pct, red_up),
               sort_key=lambda r: q(r) and q(r).change_pct),
        Column("Ccy", lambda r: r.listing.currency),
        Column("Volume", lambda r: fmt.volume(q(r) and q(r).volume), RIGHT, sort_key=lambda r: q(r) and q(r).volume),
        Column("As of", _as_of, tooltip=lambda r: f"source: {r.quote.source}" if r.quote else "no quote yet"),
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


class WatchlistModel(RowTableModel[WatchlistRow]):
    def __init__(self, parent=None) -> None:
        self.market: dict[str, tuple[str, str]] = {}  # symbol -> (market state, "stale since ... (why)")
        market = Column("Market", self._market_text,
                        tooltip=lambda r: self.market.get(r.listing.symbol, ("", ""))[1] or "prices up to date")
        super().__init__(watchlist_columns() + [market], key=lambda r: r.listing.symbol, parent=parent)

    def _market_text(self, r: WatchlistRow) -> str:
        state, stale = self.market.get(r.listing.symbol, ("", ""))
        return f"{state} · stale" if state and stale else state or ("stale" if stale else "")

    def set_market(self, market: dict[str, tuple[str, str]]) -> None:
        if market != self.market:
            self.market = market
            self.refresh_columns()


class _SortProxy(QSortFilterProxyModel):
    def lessThan(self, left, right) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:  # missing values sort last
            return a is not None
        return a < b


class WatchlistPanel(Panel):
    """Pick a list, see its members; selecting rows tells the chart which symbols to draw."""

    symbols_selected = Signal(list)
    topics = (topics.WATCHLISTS, topics.QUOTES, topics.INSTRUMENTS, PRICE_STATE)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.model = WatchlistModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self._lists: list[Watchlist] = []
        self.current_id: int | None = None

        self.chooser = QComboBox(self)
        self.chooser.setAccessibleName("Watchlist")
        self.chooser.setToolTip("Choose a watchlist (pinned lists first)")
        self.chooser.activated.connect(self._on_chosen)
        self.empty_label = QLabel("", self)
        self.empty_label.setVisible(False)
        self.view = QTableView(self)
        self.view.setObjectName("watchlistTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setResizeContentsPrecision(25)  # size columns from the first rows
        self.view.selectionModel().selectionChanged.connect(self._on_selection)

        top = QHBoxLayout()
        top.addWidget(QLabel("List:", self))
        top.addWidget(self.chooser, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view)

    # worker thread
    def read(self):
        lists = self.store.watchlists.all()
        wanted = self.current_id
        if wanted is None or wanted not in {w.id for w in lists}:
            last = self.store.settings.get("ui.last_watchlist")
            wanted = next((w.id for w in lists if w.id == last), lists[0].id if lists else None)
        rows = self.store.watchlists.rows(wanted) if wanted is not None else []
        return lists, wanted, rows, market_column(self.store, rows)

    # GUI thread
    def show_data(self, data) -> None:
        lists, wanted, rows, market = data
        self._lists, self.current_id = lists, wanted
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for w in lists:
            self.chooser.addItem(f"★ {w.name}" if w.pinned else w.name, w.id)
        if wanted is not None:
            self.chooser.setCurrentIndex(self.chooser.findData(wanted))
        self.chooser.blockSignals(False)
        same_members = [r.listing.symbol for r in rows] == [r.listing.symbol for r in self.model.rows()]
        self.model.set_rows(rows)
        self.model.set_market(market)
        if not self.is_loaded and not all(market_hours.is_loaded(c) for c in ("XHKG", "XNYS", "XNAS")):
            QTimer.singleShot(2000, self, self._load_calendars)  # ~0.5 s of imports: after the first paint
        if not same_members or not self.is_loaded:  # sizing 50 rows costs ~100 ms: not on every quote
            self.view.resizeColumnsToContents()
        self.empty_label.setVisible(not rows)
        self.empty_label.setText(
            "No watchlists yet." if not lists else "This list is empty. Add symbols with `briefing watchlist add`."
        )
        if rows and not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)

    def _load_calendars(self) -> None:
        if self.isVisible():
            self.runner.run(market_hours.preload, lambda _: self.isVisible() and self.reload(),
                            name="load exchange calendars")

    def _on_chosen(self, index: int) -> None:
        wid = self.chooser.itemData(index)
        if wid is not None and wid != self.current_id:
            self.current_id = wid
            self.view.clearSelection()
            self.runner.run(lambda: self.store.settings.set("ui.last_watchlist", wid), name="remember watchlist")
            self.reload()

    def selected_symbols(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row(self.proxy.mapToSource(self.proxy.index(r, 0)).row()).listing.symbol for r in rows]

    def _on_selection(self, *_):
        self.symbols_selected.emit(self.selected_symbols())

    def latest_quote_time(self) -> int | None:
        times = [r.quote.as_of for r in self.model.rows() if r.quote]
        return max(times) if times else None

    def quotes(self):
        return [r.quote for r in self.model.rows() if r.quote]

