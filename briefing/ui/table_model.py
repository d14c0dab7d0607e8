"""A read-only table model over a list of plain rows, updated in place.

Panels describe their columns once. The cells live in Qt items (`QStandardItemModel`), written
when a row arrives or changes: a view paints them without calling back into Python, so a paint
never waits for the GIL while workers parse feeds or crunch prices. `set_rows` keeps selection
and scroll position when the same rows come back with new values (only the rows whose cells
changed are written, and one `dataChanged` spans them) and inserts/removes otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

R = TypeVar("R")


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
        self.loaded = False

    # ----- cells ---------------------------------------------------------------------------------
    def _cells(self, row: R) -> tuple[Cell, ...]:
        font = self._font(row) if self._font is not None else None
        out = []
        for col in self._columns:
            text = col.text(row)
            out.append((text,
                        col.tooltip(row) if col.tooltip is not None else None,
                        col.foreground(row) if col.foreground is not None else None,
                        col.sort_key(row) if col.sort_key is not None else text,
                        col.value(row) if col.value is not None else None,
                        font))
        return tuple(out)

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
        self.beginResetModel()
        blocked = self.blockSignals(True)  # the items' own signals: the reset says it all
        try:
            self.removeRows(0, self.rowCount())
            self._rows, self._shown = [], []
            self._insert(0, list(rows))
        finally:
            self.blockSignals(blocked)
        self.endResetModel()

    # ----- rows ----------------------------------------------------------------------------------
    def row(self, i: int) -> R:
        return self._rows[i]

    def rows(self) -> list[R]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        rows = list(rows)
        old_keys = [self._key(r) for r in self._rows]
        new_keys = [self._key(r) for r in rows]
        if old_keys == new_keys:
            self._update(rows)
        elif len(new_keys) > len(old_keys) and new_keys[: len(old_keys)] == old_keys:
            self._update(rows[: len(old_keys)])
            self._insert(len(old_keys), rows[len(old_keys):])
        else:
            self._reset(rows)
        self.loaded = True

    def refresh_columns(self) -> None:
        """Re-read every cell (a setting such as the up/down colours changed)."""
        self._update(self._rows, every=True)
