"""The watchlist as a tree: a company with several listings in the list is one row (its numbers
are its primary line's) that expands to those listings; any other symbol is a row of its own.

Updated in place like `RowTableModel`: when the same companies and listings come back with new
quotes only the changed rows are signalled, so selection, expansion and scroll position survive a
stream of quote updates; a change of members inserts rows or resets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from briefing.domain.models import WatchlistRow
from briefing.ui.table_model import ROW_ROLE, SORT_ROLE, Column

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # the node key of a top-level row, the symbol of a listing row
SYMBOLS_ROLE = Qt.ItemDataRole.UserRole + 4  # the symbols selecting this row draws on the chart
NODES_MIME = "application/x-briefing-watchlist-rows"


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


class WatchlistTreeModel(QAbstractItemModel):
    """Companies and their listings; dragging top-level rows asks (`reorder_requested`) for a new order."""

    reorder_requested = Signal(list)  # every symbol of the list, in its new order

    def __init__(self, columns: Sequence[Column[WatchlistRow]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._nodes: list[Node] = []
        self._layout: list[tuple[str, str | None]] = []  # (symbol, company) of each row, as given
        self._flat: list[WatchlistRow] = []  # the rows as given, to spot the ones that changed
        self._where: dict[str, tuple[int, int | None]] = {}  # symbol -> (top row, line or None)
        self.company_only: set[int] = set()  # columns left empty on listing rows under a company
        self.line_text: dict[int, Callable[[WatchlistRow], str]] = {0: listing_label}
        self.loaded = False

    # ----- structure ------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        # Bounds checked here rather than with hasIndex(): views call this thousands of times while
        # laying out, and hasIndex calls back into rowCount and columnCount.
        if row < 0 or not 0 <= column < len(self._columns):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._nodes) else QModelIndex()
        top = parent.row()
        if (parent.internalId() != 0 or parent.column() != 0 or top >= len(self._nodes)
                or row >= len(self._nodes[top].lines)):
            return QModelIndex()
        return self.createIndex(row, column, top + 1)  # internal id: 1 + the company's row

    def parent(self, index: Index | None = None):  # noqa: D401 - also QObject.parent() without argument
        if index is None:
            return QObject.parent(self)
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._nodes)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        return len(self._nodes[parent.row()].lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self._columns)

    def _at(self, index: Index) -> tuple[Node, WatchlistRow | None] | None:
        if not index.isValid():
            return None
        top = index.internalId()
        if top == 0:
            return (self._nodes[index.row()], None) if index.row() < len(self._nodes) else None
        node = self._nodes[top - 1] if top - 1 < len(self._nodes) else None
        if node is None or index.row() >= len(node.lines):
            return None
        return node, node.lines[index.row()]

    # ----- cells ----------------------------------------------------------------------------------
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(self._columns[section].align)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        found = self._at(index)
        if found is None:
            return None
        node, line = found
        r = line or node.row
        c = index.column()
        col = self._columns[c]
        blank = line is not None and c in self.company_only
        if role == Qt.ItemDataRole.DisplayRole:
            if blank:
                return ""
            return self.line_text[c](r) if line is not None and c in self.line_text else col.text(r)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None and not blank:
            return col.tooltip(r)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            return col.foreground(r)
        if role == SORT_ROLE:
            if blank:
                return None
            return col.sort_key(r) if col.sort_key is not None else col.text(r)
        if role == ROW_ROLE:
            return r
        if role == KEY_ROLE:
            return node.key if line is None else line.listing.symbol
        if role == SYMBOLS_ROLE:
            return [r.listing.symbol]  # a company row charts its primary line: the numbers it shows
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.internalId() == 0:  # only top-level rows move; a company's listings move with it
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
            if not self._nodes[index.row()].lines:
                flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    # ----- rows -----------------------------------------------------------------------------------
    def nodes(self) -> list[Node]:
        return list(self._nodes)

    def rows(self) -> list[WatchlistRow]:
        """Every listing row, in the tree's order (a company's lines under it)."""
        return [r for n in self._nodes for r in (n.lines or (n.row,))]

    def index_for(self, key: str, column: int = 0) -> QModelIndex:
        """The row of a symbol (under its company, if it has one) or of a company ("company:<id>")."""
        for i, n in enumerate(self._nodes):
            if n.key == key:
                return self.index(i, column)
            for j, r in enumerate(n.lines):
                if r.listing.symbol == key:
                    return self.index(j, column, self.index(i, 0))
        return QModelIndex()

    def column_index(self, title: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.title == title)

    def set_rows(self, rows: Sequence[WatchlistRow]) -> None:
        rows = list(rows)
        layout = [(r.listing.symbol, r.listing.company_id) for r in rows]
        if layout == self._layout and self._nodes:
            self._update_in_place(rows)  # the usual case, a quote moved: no regrouping
            self.loaded = True
            return
        new = group_rows(rows)
        old = self._nodes
        shapes_old, shapes_new = [n.shape for n in old], [n.shape for n in new]
        if shapes_old == shapes_new:
            self._nodes = new
            self._signal_changed(old, new)
        elif len(new) > len(old) and shapes_new[: len(old)] == shapes_old:
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self._nodes = new
            self.endInsertRows()
            self._signal_changed(old, new[: len(old)])
        else:
            self.beginResetModel()
            self._nodes = new
            self.endResetModel()
        self._layout, self._flat = layout, rows
        self._where = {}
        for i, n in enumerate(new):
            for j, r in enumerate(n.lines or (n.row,)):
                self._where[r.listing.symbol] = (i, j if n.lines else None)
        self.loaded = True

    def _update_in_place(self, rows: list[WatchlistRow]) -> None:
        """Same listings in the same order: replace the rows that changed and signal only those."""
        changed: dict[int, dict[int | None, WatchlistRow]] = {}
        for old, new in zip(self._flat, rows):
            if old is not new and old != new:
                i, j = self._where[new.listing.symbol]
                changed.setdefault(i, {})[j] = new
        self._flat = rows
        last = len(self._columns) - 1
        for i, lines in changed.items():
            node = self._nodes[i]
            if None in lines:  # a listing of its own
                self._nodes[i] = Node(node.key, lines[None])
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
                continue
            merged = tuple(lines.get(j, r) for j, r in enumerate(node.lines))
            self._nodes[i] = Node(node.key, primary_line(merged), merged)
            if self._nodes[i].row is not node.row:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
            parent = self.index(i, 0)
            for j in lines:
                self.dataChanged.emit(self.index(j, 0, parent), self.index(j, last, parent))

    def _signal_changed(self, old: Sequence[Node], new: Sequence[Node]) -> None:
        last = len(self._columns) - 1
        for i, (a, b) in enumerate(zip(old, new)):
            if a == b:
                continue
            if a.row != b.row:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
            parent = self.index(i, 0)
            for j, (x, y) in enumerate(zip(a.lines, b.lines)):
                if x != y:
                    self.dataChanged.emit(self.index(j, 0, parent), self.index(j, last, parent))

    def refresh_columns(self) -> None:
        """Re-read every cell (a setting such as the up/down colours changed)."""
        if not self._nodes:
            return
        last = len(self._columns) - 1
        self.dataChanged.emit(self.index(0, 0), self.index(len(self._nodes) - 1, last))
        for i, n in enumerate(self._nodes):
            if n.lines:
                parent = self.index(i, 0)
                self.dataChanged.emit(self.index(0, 0, parent), self.index(len(n.lines) - 1, last, parent))

    # ----- drag and drop: top-level rows only -----------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [NODES_MIME]

    def mimeData(self, indexes) -> QMimeData:
        tops = sorted({i.row() if i.internalId() == 0 else i.internalId() - 1 for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(NODES_MIME, "\n".join(self._nodes[t].key for t in tops).encode())
        return data

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if not data.hasFormat(NODES_MIME) or action != Qt.DropAction.MoveAction:
            return False
        if parent.isValid():
            top = parent.row() if parent.internalId() == 0 else parent.internalId() - 1
            target = top if row < 0 and parent.internalId() == 0 else top + 1  # onto a row: before it
        else:
            target = row if row >= 0 else len(self._nodes)
        by_key = {n.key: n for n in self._nodes}
        order = list(by_key)
        for key in bytes(data.data(NODES_MIME).data()).decode().split("\n"):
            if key in order:
                old = order.index(key)
                new = target - 1 if old < target else target
                order.insert(new, order.pop(old))
                target = new + 1
        symbols = [s for key in order for s in by_key[key].symbols]
        if symbols != [r.listing.symbol for r in self.rows()]:
            self.reorder_requested.emit(symbols)
        return False  # the store write reloads the rows in their new order
