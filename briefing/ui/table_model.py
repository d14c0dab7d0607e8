"""A read-only table model over a list of plain rows, updated in place.

Panels describe their columns once; `set_rows` keeps selection and scroll position when the same
rows come back with new values (only changed cells are signalled) and inserts/removes otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex


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
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
VALUE_ROLE = Qt.ItemDataRole.UserRole + 5


class RowTableModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], Any], parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._rows: list[R] = []
        self.loaded = False

    # ----- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(self._columns[section].align)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row, col = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            return col.foreground(row)
        if role == SORT_ROLE:
            return col.sort_key(row) if col.sort_key is not None else col.text(row)
        if role == ROW_ROLE:
            return row
        return None

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
            for i, (a, b) in enumerate(zip(self._rows, rows)):
                if a != b:
                    self._rows[i] = b
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(self._columns) - 1))
        elif len(new_keys) > len(old_keys) and new_keys[: len(old_keys)] == old_keys:
            self.beginInsertRows(QModelIndex(), len(old_keys), len(new_keys) - 1)
            self._rows = rows
            self.endInsertRows()
        else:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        self.loaded = True

    def refresh_columns(self) -> None:
        """Re-read every cell (a setting such as the up/down colours changed)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1))
