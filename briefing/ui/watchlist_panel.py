"""Watchlist panel: the chosen list's members with their last quote; selection drives the chart."""

from __future__ import annotations

import time

from PySide6.QtCore import QByteArray, QMimeData, QSortFilterProxyModel, Qt, QTimer, Signal
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
from briefing.ui.watchlist_actions import WatchlistActions
from briefing.ui.watchlist_columns import HEADER_KEY, YearRangeDelegate, extra_columns, install_header_menu


def _name(r: WatchlistRow) -> str:
    if r.company is not None:
        return r.company.display_name
    return r.listing.name_en or r.listing.symbol


def _as_of(r: WatchlistRow) -> str:
    return "–" if r.quote is None else fmt.local_time(r.quote.as_of, r.listing.timezone, "%m-%d %H:%M")


UP_COLOURS_KEY = "ui.up_colours"  # store setting: "green-up" (default) or "red-up"


def watchlist_columns(red_up=False) -> list[Column[WatchlistRow]]:
    """The quote columns; `red_up` is a bool or a callable read at paint time (the setting can change)."""
    q = lambda r: r.quote  # noqa: E731
    ru = red_up if callable(red_up) else (lambda: red_up)
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


def premium_column(store, rows: list[WatchlistRow]) -> dict:
    """HK-vs-ADR premium of each dual-listed row's company (worker thread).

    Pairing an HK close with the following US session needs the exchange calendars (~1 s to load):
    until they are loaded (after the first paint) the column stays empty, like the market state.
    """
    from briefing.services.premiums import premium_for

    if not all(market_hours.is_loaded(c) for c in ("XHKG", "XNYS", "XNAS")):
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


SYMBOLS_MIME = "application/x-briefing-symbols"


class WatchlistModel(RowTableModel[WatchlistRow]):
    """The rows of one watchlist; dragging a row asks (by `move_requested`) to move it in the list."""

    move_requested = Signal(str, int)  # symbol, its new index in the list's order

    def __init__(self, parent=None) -> None:
        self.market: dict[str, tuple[str, str]] = {}  # symbol -> (market state, "stale since ... (why)")
        self.premiums: dict = {}  # symbol -> AdrPremium of its company (dual-listed only)
        self.red_up = False  # Chinese convention: red for a rise
        market = Column("Market", self._market_text,
                        tooltip=lambda r: self.market.get(r.listing.symbol, ("", ""))[1] or "prices up to date")
        columns = watchlist_columns(lambda: self.red_up) + [market] + extra_columns(self.premiums)
        super().__init__(columns, key=lambda r: r.listing.symbol, parent=parent)

    def flags(self, index):
        drop = Qt.ItemFlag.ItemIsDropEnabled
        return super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled | drop if index.isValid() else drop

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [SYMBOLS_MIME]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(SYMBOLS_MIME, "\n".join(self.row(r).listing.symbol for r in rows).encode())
        return data

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if not data.hasFormat(SYMBOLS_MIME) or action != Qt.DropAction.MoveAction:
            return False
        target = row if row >= 0 else (parent.row() if parent.isValid() else len(self._rows))
        order = [r.listing.symbol for r in self._rows]
        for sym in bytes(data.data(SYMBOLS_MIME).data()).decode().split("\n"):
            if sym in order:
                old = order.index(sym)
                new = target - 1 if old < target else target
                self.move_requested.emit(sym, new)
                order.insert(new, order.pop(old))
                target = new + 1
        return False  # the store write reloads the rows in their new order

    def column_index(self, title: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.title == title)

    def set_red_up(self, red_up: bool) -> None:
        if red_up != self.red_up:
            self.red_up = red_up
            self.refresh_columns()

    def set_premiums(self, premiums: dict) -> None:
        if premiums != self.premiums:
            self.premiums.clear()
            self.premiums.update(premiums)  # the premium column reads this dict
            self.refresh_columns()

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
        self.view.setItemDelegateForColumn(self.model.column_index("52-week range"), YearRangeDelegate(self.view))
        self._header_restored = False
        self._save_header = QTimer(self, singleShot=True, interval=400)
        self._save_header.timeout.connect(self.save_header)
        install_header_menu(self.view.horizontalHeader(), self._save_header.start)

        self.actions = WatchlistActions(self)
        self.model.move_requested.connect(self.actions.move_symbol)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragDropOverwriteMode(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("List:", self))
        top.addWidget(self.chooser, 1)
        top.addWidget(self.actions.bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.actions.message)
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
        header = None if self._header_restored else self.store.settings.get(HEADER_KEY)
        red_up = self.store.settings.get(UP_COLOURS_KEY, "green-up") == "red-up"
        words = sorted({l.symbol for l in self.store.instruments.listings()}
                       | {n for c in self.store.instruments.companies() for n in (c.name_en, c.name_zh) if n})
        return (lists, wanted, rows, market_column(self.store, rows), premium_column(self.store, rows), header,
                red_up, words)

    # GUI thread
    def show_data(self, data) -> None:
        lists, wanted, rows, market, premiums, header, red_up, words = data
        if not self.is_loaded:
            self.actions.set_completions(words)
        self.model.set_red_up(red_up)
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
        self.model.set_premiums(premiums)
        if not self.is_loaded and not all(market_hours.is_loaded(c) for c in ("XHKG", "XNYS", "XNAS")):
            QTimer.singleShot(2000, self, self._load_calendars)  # ~0.5 s of imports: after the first paint
        if (not same_members or not self.is_loaded) and not (header or self._header_restored):
            self.view.resizeColumnsToContents()  # sizing 50 rows costs ~100 ms: not on every quote
        if not self._header_restored:
            self._header_restored = True
            if header:
                self.view.horizontalHeader().restoreState(QByteArray.fromHex(header.encode()))
                self._save_header.stop()
        self.empty_label.setVisible(not rows)
        self.empty_label.setText(
            "No watchlists yet: Lists > New list…" if not lists else "This list is empty: type a symbol or company above."
        )
        if rows and not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)

    def on_store_changed(self, batch) -> None:
        if any(c.topic == topics.SETTINGS and c.key == UP_COLOURS_KEY for c in batch):
            self.reload()
        else:
            super().on_store_changed(batch)

    def save_header(self) -> None:
        """Remember column order, widths, hidden columns and sort (in the cache's settings)."""
        if self._header_restored:
            state = bytes(self.view.horizontalHeader().saveState().toHex()).decode()
            self.runner.run(lambda: self.store.settings.set(HEADER_KEY, state), name="remember watchlist columns")

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

