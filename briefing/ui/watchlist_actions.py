"""Managing watchlists from the panel: create, rename, delete, pin, add and remove symbols.

Every write goes through the task runner (never on the GUI thread); the store's change signal
then reloads the panel. Failures (a duplicate name, an unknown symbol) show in `message`.

A symbol outside the registry is checked with the price source (in the worker) before it is added;
when the source cannot answer (offline, rate limited, timeout, or none given: `--offline`, demo)
nothing is added and the message says it could not be checked. Not "add anyway": an unchecked
symbol would carry a guessed exchange and zone, and a typo would sit in the list looking real;
the CLI's `watchlist add --no-check` is there for deliberate offline use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QCompleter, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMenu, QMessageBox,
                               QToolButton, QWidget)

from briefing.domain.symbol_lookup import looks_like_symbol, normalise_code

if TYPE_CHECKING:
    from briefing.services.symbol_check import SourceOrFactory


class WatchlistActions(QObject):
    """The panel's list menu and add-symbol box."""

    done = Signal(str)  # a change was written (its description) or refused (the reason)

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.store = panel.store
        self.source: SourceOrFactory = None  # price source (or factory) for unknown symbols; None: offline
        self.known_words: list[str] = []
        self.bar = QWidget(panel)
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_box = QLineEdit(self.bar)
        self.add_box.setPlaceholderText("Add symbol or company (e.g. 0700, BABA, 百度)…")
        self.add_box.returnPressed.connect(lambda: self.add_symbol(self.add_box.text()))
        self.remove_button = QToolButton(self.bar)
        self.remove_button.setText("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.menu_button = QToolButton(self.bar)
        self.menu_button.setText("Lists")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        menu.addAction("New list…", self._ask_create)
        menu.addAction("Rename list…", self._ask_rename)
        self.pin_action = menu.addAction("Pin list", self.toggle_pin)
        menu.addAction("Delete list…", self._ask_delete)
        menu.aboutToShow.connect(self._update_pin_text)
        self.menu_button.setMenu(menu)
        self.message = QLabel("", panel)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        row.addWidget(self.add_box, 1)
        row.addWidget(self.remove_button)
        row.addWidget(self.menu_button)
        self.done.connect(self._show_message)

    def set_price_source(self, source: SourceOrFactory) -> None:
        """Check symbols outside the registry with this source (a factory is called in a worker)."""
        self.source = source

    def set_completions(self, words: list[str]) -> None:
        self.known_words = list(words)
        c = QCompleter(words, self.add_box)
        c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        c.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_box.setCompleter(c)

    def _current(self):
        return next((w for w in self.panel._lists if w.id == self.panel.current_id), None)

    def _write(self, fn, describe, then=None) -> None:
        def ok(result) -> None:
            if then is not None:
                then(result)
            self.done.emit(describe(result))

        self.panel.runner.run(fn, ok, lambda exc: self.done.emit(str(exc).strip("'\"")), name="edit watchlist")

    def _open(self, wid) -> None:
        self.panel.current_id = wid
        self.panel.view.clearSelection()
        self.panel.reload()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # the actions (tests call these directly; the menu asks first)
    def create_list(self, name: str) -> None:
        def run():
            w = self.store.watchlists.create(name)
            self.store.settings.set("ui.last_watchlist", w.id)
            return w

        self._write(run, lambda w: f"created {w.name!r}", lambda w: self._open(w.id))

    def rename_list(self, new: str) -> None:
        w = self._current()
        if w is not None:
            self._write(lambda: self.store.watchlists.rename(w.name, new), lambda _: f"renamed to {new.strip()!r}")

    def delete_list(self) -> None:
        w = self._current()
        if w is not None:
            self._write(lambda: self.store.watchlists.delete(w.name), lambda _: f"deleted {w.name!r}",
                        lambda _: self._open(None))

    def toggle_pin(self) -> None:
        w = self._current()
        if w is not None:
            self._write(lambda: self.store.watchlists.set_pinned(w.name, not w.pinned),
                        lambda _: f"{'unpinned' if w.pinned else 'pinned'} {w.name!r}")

    def add_symbol(self, text: str) -> None:
        w = self._current()
        if w is None:
            self.done.emit("create a watchlist first")
            return

        source = self.source

        def run():
            from briefing.services.symbol_check import symbols_for  # in the worker: not a start-up import

            symbols = symbols_for(self.store, text, source)
            added = self.store.watchlists.add(w.name, symbols)
            if not added:
                raise ValueError(f"{', '.join(symbols)} already in {w.name!r}: nothing added")
            return added

        code = normalise_code(text)
        known = {k.casefold() for k in self.known_words}
        if source is not None and looks_like_symbol(code) and code.casefold() not in known \
                and text.strip().casefold() not in known:
            self._show_message(f"checking {code} with Yahoo Finance…")
        self.add_box.clear()
        self._write(run, lambda added: f"added {', '.join(added)}")

    def remove_selected(self) -> None:
        w, symbols = self._current(), self.panel.selected_symbols()
        if w is not None and symbols:
            self._write(lambda: self.store.watchlists.remove(w.name, symbols), lambda r: f"removed {', '.join(r)}")

    def move_symbol(self, symbol: str, index: int) -> None:
        w = self._current()
        if w is not None:
            self._write(lambda: self.store.watchlists.move(w.name, symbol, index), lambda _: "")

    def reorder(self, symbols: list[str]) -> None:
        """Put the list's members in this order (a dragged company takes its listings along)."""
        w = self._current()
        if w is None:
            return

        def run():
            current = list(self.store.watchlists.get(w.name).symbols)
            for i, s in enumerate(symbols):
                if s in current and current.index(s) != i:
                    self.store.watchlists.move(w.name, s, i)
                    current.insert(i, current.pop(current.index(s)))

        self._write(run, lambda _: "")

    # dialogs
    def _update_pin_text(self) -> None:
        w = self._current()
        self.pin_action.setText("Unpin list" if w is not None and w.pinned else "Pin list")

    def _ask_create(self) -> None:
        name, ok = QInputDialog.getText(self.panel, "New watchlist", "Name:")
        if ok and name.strip():
            self.create_list(name)

    def _ask_rename(self) -> None:
        w = self._current()
        if w is not None:
            name, ok = QInputDialog.getText(self.panel, "Rename watchlist", "Name:", text=w.name)
            if ok and name.strip():
                self.rename_list(name)

    def _ask_delete(self) -> None:
        w = self._current()
        if w is not None and QMessageBox.question(
                self.panel, "Delete watchlist", f"Delete the watchlist {w.name!r}? Its symbols stay in the cache."
        ) == QMessageBox.StandardButton.Yes:
            self.delete_list()
