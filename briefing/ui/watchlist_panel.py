"""Watchlist panel: the chosen list's companies and listings with their last quote; selection drives the chart."""

from __future__ import annotations

import time

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTreeView, QVBoxLayout

from briefing.domain import market_hours
from briefing.domain import preferences as prefs
from briefing.domain.models import Watchlist
from briefing.store import changes as topics
from briefing.store.price_state import PRICE_STATE
from briefing.ui.panel import Panel
from briefing.ui.table_model import SORT_ROLE
from briefing.ui.watchlist_actions import WatchlistActions
from briefing.ui.watchlist_columns import HEADER_KEY, install_header_menu, year_range_picture
from briefing.ui.watchlist_model import UP_COLOURS_KEY, WatchlistModel, market_column, premium_column
from briefing.ui.watchlist_sparkline import TITLE as SPARK_TITLE
from briefing.ui.watchlist_sparkline import draw_ahead, month_closes, sparkline_picture
from briefing.ui.watchlist_tree import KEY_ROLE, PICTURE_SIZE, SYMBOLS_ROLE


def sort_proxy(parent) -> QSortFilterProxyModel:
    """Sorts the top-level rows, and each company's listings within it, by the cells' sort keys,
    compared in C++ (a Python `lessThan` was called for every comparison of every re-sort, and a
    quote batch re-sorts each changed row).
    Qt puts cells without a key after the others in ascending order, as the user expects."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSortRole(SORT_ROLE)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


LAST_WATCHLIST_KEY = "ui.last_watchlist"  # store setting: the id of the list shown last
FOLDED_KEY = "ui.watchlist_folded"  # store setting: the company rows the user folded (node keys)
RELOAD_ON_SETTINGS = {UP_COLOURS_KEY, prefs.TIMEZONE_DISPLAY}


def opening_list(lists: list[Watchlist], default_name: str, last_id) -> int | None:
    """The list to open on: the "Watchlist at start" preference, else the last used, else the first."""
    wanted = default_name.strip().casefold()
    for w in lists:
        if wanted and w.name.casefold() == wanted:
            return w.id
    return next((w.id for w in lists if w.id == last_id), lists[0].id if lists else None)


class WatchlistPanel(Panel):
    """Pick a list, see its companies and listings; selecting rows tells the chart which symbols to draw."""

    symbols_selected = Signal(list)
    topics = (topics.WATCHLISTS, topics.QUOTES, topics.INSTRUMENTS, PRICE_STATE)
    # The calendars load this long after the first read; None: the owner calls `load_calendars`
    # (the main window, once every panel has loaded).
    calendar_wait_ms: int | None = 2000

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.model = WatchlistModel(self)
        self.proxy = sort_proxy(self)
        self.proxy.setSourceModel(self.model)
        self._lists: list[Watchlist] = []
        self._chooser_shows: tuple | None = None  # the (lists, current list) the chooser was filled with
        self.current_id: int | None = None
        self._collapsed: set[str] = set()  # companies the user folded; the others open
        self._folds_restored = False
        self._expanding = False  # our own setExpanded calls are not the user folding

        self.chooser = QComboBox(self)
        self.chooser.setAccessibleName("Watchlist")
        self.chooser.setToolTip("Choose a watchlist (pinned lists first)")
        self.chooser.activated.connect(self._on_chosen)
        self.empty_label = QLabel("", self)
        self.empty_label.setVisible(False)
        self.view = QTreeView(self)
        self.view.setObjectName("watchlistTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setIndentation(14)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(25)  # size columns from the first rows
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.painters.update({self.model.column_index("52-week range"): year_range_picture,
                                    self.model.column_index(SPARK_TITLE): sparkline_picture})
        self.view.setIconSize(PICTURE_SIZE)
        header.moveSection(self.model.column_index(SPARK_TITLE), self.model.column_index("% Change") + 1)
        self.view.expanded.connect(lambda i: self._on_folded(i.data(KEY_ROLE), False))
        self.view.collapsed.connect(lambda i: self._on_folded(i.data(KEY_ROLE), True))
        self.proxy.rowsInserted.connect(lambda parent, *_: parent.isValid() or self._expand())
        self.proxy.modelReset.connect(self._expand)
        self._header_restored = False
        self._save_header = QTimer(self, singleShot=True, interval=400)
        self._save_header.timeout.connect(self.save_header)
        self._fitting = False  # columns sized by the panel, not the user: nothing to remember
        install_header_menu(header, lambda: self._fitting or self._save_header.start())

        self.actions = WatchlistActions(self)
        self.model.reorder_requested.connect(self.actions.reorder)
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
        preferences = prefs.Preferences.of(self.store)
        if wanted is None or wanted not in {w.id for w in lists}:
            default = preferences.get(prefs.DEFAULT_WATCHLIST) if not self.is_loaded else ""
            wanted = opening_list(lists, default, self.store.settings.get(LAST_WATCHLIST_KEY))
        rows = self.store.watchlists.rows(wanted) if wanted is not None else []
        header = None if self._header_restored else self.store.settings.get(HEADER_KEY)
        folded = None if self._folds_restored else self.store.settings.get(FOLDED_KEY)
        red_up = preferences.get(prefs.UP_COLOURS) == "red-up"
        time_zone = preferences.get(prefs.TIMEZONE_DISPLAY)
        words = sorted({l.symbol for l in self.store.instruments.listings()}
                       | {n for c in self.store.instruments.companies() for n in (c.name_en, c.name_zh) if n})
        sparks = month_closes(self.store, rows, time.time())
        draw_ahead(rows, sparks, red_up, QColor(self.model.ink), self.model.pixel_ratio, PICTURE_SIZE)
        market, premiums = market_column(self.store, rows), premium_column(self.store, rows)
        cells = self.model.prepare(rows, market, premiums, sparks, red_up, time_zone)  # not on the GUI thread
        return (lists, wanted, rows, market, premiums, sparks, header, folded, red_up, time_zone, words, cells)

    # GUI thread
    def show_data(self, data) -> None:
        lists, wanted, rows, market, premiums, sparks, header, folded, red_up, time_zone, words, cells = data
        if not self._folds_restored:
            self._folds_restored = True
            if isinstance(folded, list):  # anything else (a damaged setting) opens every company
                self._collapsed.update(k for k in folded if isinstance(k, str))
        if words != self.actions.known_words:
            self.actions.set_completions(words)
        self.model.set_red_up(red_up)
        self.model.set_time_zone(time_zone)
        self._lists, self.current_id = lists, wanted
        if (lists, wanted) != self._chooser_shows:  # not rebuilt at every quote batch
            self._chooser_shows = (lists, wanted)
            self.chooser.blockSignals(True)
            self.chooser.clear()
            for w in lists:
                self.chooser.addItem(f"★ {w.name}" if w.pinned else w.name, w.id)
            if wanted is not None:
                self.chooser.setCurrentIndex(self.chooser.findData(wanted))
            self.chooser.blockSignals(False)
        same_members = [r.listing.symbol for r in rows] == [r.listing.symbol for r in self.model.rows()]
        kept = [i.data(KEY_ROLE) for i in self.view.selectionModel().selectedRows()]
        self.model.show_rows(rows, market, premiums, sparks, cells)
        if kept and not self.view.selectionModel().hasSelection():  # the rows were reset: select them again
            for key in kept:
                self.select_symbol(key, add=True)
        if (not self.is_loaded and self.calendar_wait_ms is not None
                and not market_hours.all_loaded()):
            # ~0.5 s of imports and pandas: after the first paint
            QTimer.singleShot(self.calendar_wait_ms, self, self.load_calendars)
        if (not same_members or not self.is_loaded) and not (header or self._header_restored):
            QTimer.singleShot(0, self, self._fit_columns)  # once laid out: a tree sizes from the rows it shows
        if not self._header_restored:
            self._header_restored = True
            if header:
                self.view.header().restoreState(QByteArray.fromHex(header.encode()))
                self._save_header.stop()
        self.empty_label.setVisible(not rows)
        self.empty_label.setText(
            "No watchlists yet: Lists > New list…" if not lists else "This list is empty: type a symbol or company above."
        )
        if rows and not self.view.selectionModel().hasSelection():
            self.select_row(0)

    def on_store_changed(self, batch) -> None:
        if any(c.topic == topics.SETTINGS and c.key in RELOAD_ON_SETTINGS for c in batch):
            self.reload()
        else:
            super().on_store_changed(batch)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._follow_palette()  # a theme switch: the pictures' ink

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._follow_palette()  # the screen's pixel ratio is known once shown

    def _follow_palette(self) -> None:
        self.model.set_ink(self.view.palette().color(QPalette.ColorRole.Text), self.devicePixelRatioF())

    def save_header(self) -> None:
        """Remember column order, widths, hidden columns and sort (in the cache's settings)."""
        if self._header_restored:
            state = bytes(self.view.header().saveState().toHex()).decode()
            self.runner.run(lambda: self.store.settings.set(HEADER_KEY, state), name="remember watchlist columns")

    def _fit_columns(self) -> None:
        """Columns as wide as their contents (~100 ms for 50 rows: not on every quote)."""
        self._fitting = True
        try:
            for c in range(self.model.columnCount()):
                self.view.resizeColumnToContents(c)
            self.view.setColumnWidth(0, self.view.columnWidth(0) + 12)  # Chinese names measure a little short
        finally:
            self._fitting = False

    def _expand(self) -> None:
        """Companies open (both lines on the first screen) unless the user folded them."""
        self._expanding = True
        try:
            for r in range(self.proxy.rowCount()):
                index = self.proxy.index(r, 0)
                if self.proxy.hasChildren(index):
                    self.view.setExpanded(index, index.data(KEY_ROLE) not in self._collapsed)
        finally:
            self._expanding = False

    def _on_folded(self, key: str | None, folded: bool) -> None:
        """Remember a company the user folded or opened, across restarts (in the cache's settings)."""
        if self._expanding or key is None or (key in self._collapsed) == folded:
            return
        (self._collapsed.add if folded else self._collapsed.discard)(key)
        keys = sorted(self._collapsed)
        self.runner.run(lambda: self.store.settings.set(FOLDED_KEY, keys), name="remember folded companies")

    def load_calendars(self) -> None:
        """Load the exchange calendars the market column needs (a worker), then read again."""
        if self.isVisible() and not market_hours.all_loaded():
            self.runner.run(market_hours.preload, lambda _: self.isVisible() and self.reload(),
                            name="load exchange calendars")

    def _on_chosen(self, index: int) -> None:
        wid = self.chooser.itemData(index)
        if wid is not None and wid != self.current_id:
            self.current_id = wid
            self.view.clearSelection()
            self.runner.run(lambda: self.store.settings.set(LAST_WATCHLIST_KEY, wid), name="remember watchlist")
            self.reload()

    # selection
    def select_row(self, row: int, parent_row: int | None = None, *, add: bool = False) -> None:
        """Select a row as shown (a top-level row, or listing `row` of top-level row `parent_row`)."""
        parent = QModelIndex() if parent_row is None else self.proxy.index(parent_row, 0)
        index = self.proxy.index(row, 0, parent)
        if not index.isValid():
            return
        if add:
            flags = QItemSelectionModel.SelectionFlag
            self.view.selectionModel().select(index, flags.Select | flags.Rows)
        else:
            self.view.setCurrentIndex(index)  # SelectRows: the whole row, and only it

    def select_symbol(self, key: str, *, add: bool = False) -> bool:
        """Select the row of a symbol (its listing row under its company, if any) or of a company
        ("company:<id>"); `add` keeps the rows already selected."""
        for r in range(self.proxy.rowCount()):
            top = self.proxy.index(r, 0)
            for c in range(self.proxy.rowCount(top)):
                if self.proxy.index(c, 0, top).data(KEY_ROLE) == key:
                    self.select_row(c, r, add=add)
                    return True
            if top.data(KEY_ROLE) == key:
                self.select_row(r, add=add)
                return True
        return False

    def selected_symbols(self) -> list[str]:
        """The symbols the selected rows stand for, in the order shown, each once."""
        def shown_at(i):
            return (i.parent().row(), i.row()) if i.parent().isValid() else (i.row(), -1)

        out: dict[str, None] = {}
        for i in sorted(self.view.selectionModel().selectedRows(), key=shown_at):
            for s in i.data(SYMBOLS_ROLE) or ():
                out.setdefault(s, None)
        return list(out)

    def _on_selection(self, *_):
        self.symbols_selected.emit(self.selected_symbols())

    def latest_quote_time(self) -> int | None:
        times = [r.quote.as_of for r in self.model.rows() if r.quote]
        return max(times) if times else None

    def quotes(self):
        return [r.quote for r in self.model.rows() if r.quote]
