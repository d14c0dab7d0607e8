"""A read-only table model over a list of plain rows, updated in place.

Panels describe their columns once. The cells live in Qt items (`QStandardItemModel`), written
when a row arrives or changes: a view paints them without calling back into Python, so a paint
never waits for the GIL while workers parse feeds or crunch prices. `set_rows` keeps selection
and scroll position when the same rows come back with new values (only the rows whose cells
changed are written, and one `dataChanged` spans them) and inserts/removes otherwise.

A panel's worker can `prepare` the cells, and the items of rows the model does not hold yet, with
its read: the GUI thread then only places them (500 rows of news: 500 calls into Qt, not 5,000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

R = TypeVar("R")


@dataclass
class Prepared:
    """Made on a worker by `RowTableModel.prepare`: each row's cells by key, and ready items for
    the rows the model did not hold then. `context`: what else the cells were made from (stale
    when the model's differs)."""

    context: Any
    cells: dict[Any, tuple]
    items: dict[Any, list[QStandardItem]]


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    tooltip: Callable[[R], str] | None = None
    foreground: Callable[[R], Any] | None = None
    sort_key: Callable[[R], Any] | None = None
    value: Callable[[R], Any] | None = None  # what a delegate draws (VALUE_ROLE), e.g. a sparkline's points


RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 5

# What each cell holds besides its alignment, in `Cell` order (as ints: they key the items' role maps).
CELL_ROLES = tuple(int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                    Qt.ItemDataRole.ForegroundRole, SORT_ROLE, VALUE_ROLE, Qt.ItemDataRole.FontRole))
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
Cell = tuple  # (text, tooltip, foreground, sort key, value, font)
CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class RowTableModel(QStandardItemModel, Generic[R]):
    """Rows of one kind shown as described by `columns`; `key` tells a row's identity across reloads,
    `font` (optional) a whole row's font."""

    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], Any],
                 font: Callable[[R], QFont | None] | None = None, parent=None) -> None:
        super().__init__(0, len(columns), parent)
        self._columns = list(columns)
        self._key = key
        self._font = font
        self._rows: list[R] = []
        self._shown: list[tuple[Cell, ...]] = []  # what each row's items hold
        for c, col in enumerate(self._columns):
            self.setHeaderData(c, Qt.Orientation.Horizontal, col.title)
            self.setHeaderData(c, Qt.Orientation.Horizontal, int(col.align), Qt.ItemDataRole.TextAlignmentRole)
        self.setSortRole(SORT_ROLE)
        blank = QStandardItem()
        blank.setFlags(CELL_FLAGS)
        blank.setData(LEFT, ALIGNMENT)
        self.setItemPrototype(blank)  # what a new row's cells are made from, in C++
        self._aligns = [None if int(col.align) == LEFT else int(col.align) for col in self._columns]
        self._known: frozenset = frozenset()  # the keys held, for a worker's `prepare` (replaced, never changed)
        self._prepared: Prepared | None = None  # during set_rows
        self.loaded = False

    # ----- cells ---------------------------------------------------------------------------------
    def _cells(self, row: R, columns: Sequence[Column[R]] | None = None) -> tuple[Cell, ...]:
        if self._prepared is not None and columns is None:
            cells = self._prepared.cells.get(self._key(row))
            if cells is not None:
                return cells
        font = self._font(row) if self._font is not None else None
        out = []
        for col in columns or self._columns:
            text = col.text(row)
            out.append((text,
                        col.tooltip(row) if col.tooltip is not None else None,
                        col.foreground(row) if col.foreground is not None else None,
                        col.sort_key(row) if col.sort_key is not None else text,
                        col.value(row) if col.value is not None else None,
                        font))
        return tuple(out)

    def prepare(self, rows: Sequence[R], context: Any = None, columns: Sequence[Column[R]] | None = None,
                every: bool = False) -> Prepared:
        """Worker thread: the cells of `rows` (made with `columns`, default the model's), and items
        for those the model does not hold (`every`: for all, as a new list replaces the old one).
        Pass it to `set_rows` with the same rows."""
        known = frozenset() if every else self._known
        prepared = Prepared(context, {}, {})
        for row in rows:
            key = self._key(row)
            cells = prepared.cells[key] = self._cells(row, columns or self._columns)
            if key not in known:
                prepared.items[key] = self._items(cells)
        return prepared

    def _items(self, cells: tuple[Cell, ...]) -> list[QStandardItem]:
        items = []
        for c, cell in enumerate(cells):
            item = QStandardItem()
            item.setFlags(CELL_FLAGS)
            for role, value in self._roles(c, cell).items():
                item.setData(value, role)
            if self._aligns[c] is None:
                item.setData(LEFT, ALIGNMENT)
            items.append(item)
        return items

    def _roles(self, c: int, cell: Cell, clear: bool = False) -> dict[int, Any]:
        """What column `c`'s item holds for `cell`, written in one call; `clear`: with None for the
        roles the cell no longer has (None removes a role, a missing key leaves it)."""
        roles = {role: value for role, value in zip(CELL_ROLES, cell) if clear or value is not None}
        if self._aligns[c] is not None:  # else the blank item's
            roles[ALIGNMENT] = self._aligns[c]
        return roles

    def _write(self, i: int, cells: tuple[Cell, ...]) -> bool:
        """Bring row `i`'s items up to `cells`, cell by cell; True if any changed (signals are the caller's)."""
        if self._shown[i] == cells:
            return False
        for c, (cell, before) in enumerate(zip(cells, self._shown[i])):
            if cell != before:
                self.setItemData(self.index(i, c), self._roles(c, cell, clear=True))
        self._shown[i] = cells
        return True

    # ----- row changes -----------------------------------------------------------------------------
    def _update(self, rows: Sequence[R], every: bool = False) -> None:
        """The first len(rows) rows get these values (same keys); signal the rows whose cells changed."""
        changed = []
        blocked = self.blockSignals(True)  # one dataChanged per row below, not one per role and cell
        try:
            for i, row in enumerate(rows):
                old = self._rows[i]
                if every or (old is not row and old != row):
                    self._rows[i] = row
                    if self._write(i, self._cells(row)):
                        changed.append(i)
        finally:
            self.blockSignals(blocked)
        if changed:  # one signal for the span: each reaches the view through PySide, which takes the GIL
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(self._columns) - 1))

    def _insert(self, first: int, rows: Sequence[R]) -> None:
        """Insert rows at `first`: one rowsInserted for the block, then one dataChanged once they are written."""
        if not rows:
            return
        cells = [self._cells(r) for r in rows]
        self._rows[first:first] = rows
        self._shown[first:first] = cells
        self.insertRows(first, len(rows))  # blank rows: their items are made (in C++) as they are written
        blocked = self.blockSignals(True)
        try:
            for k, row in enumerate(cells):
                for c, cell in enumerate(row):
                    self.setItemData(self.index(first + k, c), self._roles(c, cell))
        finally:
            self.blockSignals(blocked)
        self.dataChanged.emit(self.index(first, 0), self.index(first + len(rows) - 1, len(self._columns) - 1))

    def _remove(self, first: int, count: int) -> None:
        # rows go after the signal that moves the selection: it reads them by their old numbers
        self.removeRows(first, count)
        del self._rows[first: first + count]
        del self._shown[first: first + count]

    def _reset(self, rows: Sequence[R]) -> None:
        ready = self._prepared.items if self._prepared is not None else {}
        self.beginResetModel()
        blocked = self.blockSignals(True)  # the items' own signals: the reset says it all
        try:
            self.removeRows(0, self.rowCount())
            self._rows, self._shown = [], []
            if rows and all(self._key(r) in ready for r in rows):  # made on the worker: placed row by row
                self._rows, self._shown = list(rows), [self._cells(r) for r in rows]
                for r in rows:
                    self.appendRow(ready.pop(self._key(r)))
            else:
                self._insert(0, list(rows))
        finally:
            self.blockSignals(blocked)
        self.endResetModel()

    # ----- rows ----------------------------------------------------------------------------------
    def row(self, i: int) -> R:
        return self._rows[i]

    def rows(self) -> list[R]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[R], prepared: Prepared | None = None) -> None:
        """Show `rows`; `prepared`: what `prepare` made of these rows on a worker (optional)."""
        self._prepared = prepared if prepared is not None and self._fresh(prepared) else None
        try:
            rows = list(rows)
            if not self._rows and rows and self._prepared is not None:
                self._reset(rows)  # the first rows: placed from the worker's items, one call per row
            else:
                self._set_rows(rows)
        finally:
            self._prepared = None
            self._known = frozenset(self._key(r) for r in self._rows)
        self.loaded = True

    def _fresh(self, prepared: Prepared) -> bool:
        """Whether cells made with `prepared.context` are still what this model would make."""
        return True

    def _set_rows(self, rows: list[R]) -> None:
        old_keys = [self._key(r) for r in self._rows]
        new_keys = [self._key(r) for r in rows]
        if old_keys == new_keys:
            self._update(rows)
        elif len(new_keys) > len(old_keys) and new_keys[: len(old_keys)] == old_keys:
            self._update(rows[: len(old_keys)])
            self._insert(len(old_keys), rows[len(old_keys):])
        else:
            self._reset(rows)

    def refresh_columns(self) -> None:
        """Re-read every cell (a setting such as the up/down colours changed)."""
        self._update(self._rows, every=True)
