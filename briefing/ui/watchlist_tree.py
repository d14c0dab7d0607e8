"""The watchlist as a tree: a company with several listings in the list is one row (its numbers
are its primary line's) that expands to those listings; any other symbol is a row of its own.

The cells live in Qt items (`QStandardItemModel`), written when a row's values change: the view
paints and the sort proxy compares without calling back into Python, which is what keeps a batch
of 50-200 changed quotes within a frame or two. When the same companies and listings come back
with new quotes only the changed rows are written and signalled (one `dataChanged` per row), so
selection, expansion and scroll position survive a stream of updates; a change of members inserts
rows or resets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QStandardItem, QStandardItemModel

from briefing.domain.models import WatchlistRow
from briefing.domain.watchlist_groups import Node, group_rows, listing_label, primary_line
from briefing.ui.event_turns import next_turn
from briefing.ui.table_model import SORT_ROLE, VALUE_ROLE, Column

KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # the node key of a top-level row, the symbol of a listing row
SYMBOLS_ROLE = Qt.ItemDataRole.UserRole + 4  # the symbols selecting this row draws on the chart
NODES_MIME = "application/x-briefing-watchlist-rows"

# What each cell holds besides its alignment, in `Cell` order.
CELL_ROLES = tuple(int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                    Qt.ItemDataRole.ForegroundRole, SORT_ROLE, VALUE_ROLE))
DECORATION = int(Qt.ItemDataRole.DecorationRole)
Cell = tuple  # (text, tooltip, foreground, sort key, value drawn by a column's painter)
Painter = Callable[[object, QColor, QSize, float], QImage | None]  # (value, ink, size, pixel ratio)
# Top-level rows written per turn of the event loop. A change to more (the first quote batch of a
# long list) is written over several turns: each call into Qt waits for the GIL while workers run
# Python, and the first batch comes while the price jobs' pandas work is busiest.
WRITE_CHUNK = 16
PICTURE_SIZE = QSize(64, 14)  # the drawn columns' pictures (the view's icon size), logical pixels

_F = Qt.ItemFlag
TOP_FLAGS = _F.ItemIsEnabled | _F.ItemIsSelectable | _F.ItemIsDragEnabled  # only top-level rows move
LINE_FLAGS = _F.ItemIsEnabled | _F.ItemIsSelectable | _F.ItemNeverHasChildren


class WatchlistTreeModel(QStandardItemModel):
    """Companies and their listings; dragging top-level rows asks (`reorder_requested`) for a new order."""

    reorder_requested = Signal(list)  # every symbol of the list, in its new order

    def __init__(self, columns: Sequence[Column[WatchlistRow]], parent: QObject | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self._columns = list(columns)
        for c, col in enumerate(self._columns):
            self.setHeaderData(c, Qt.Orientation.Horizontal, col.title)
            self.setHeaderData(c, Qt.Orientation.Horizontal, int(col.align), Qt.ItemDataRole.TextAlignmentRole)
        self.setSortRole(SORT_ROLE)
        self.invisibleRootItem().setFlags(_F.ItemIsDropEnabled)  # drop between top-level rows
        self._nodes: list[Node] = []
        self._layout: list[tuple[str, str | None]] = []  # (symbol, company) of each row, as given
        self._flat: list[WatchlistRow] = []  # the rows as given, to spot the ones that changed
        self._where: dict[str, tuple[int, int | None]] = {}  # symbol -> (top row, line or None)
        self._shown: dict[tuple[int, int | None], tuple[Cell, ...]] = {}  # what each row's items hold
        self.company_only: set[int] = set()  # columns left empty on listing rows under a company
        self.line_text: dict[int, Callable[[WatchlistRow], str]] = {0: listing_label}
        # Columns drawn as pictures (a sparkline, a range bar): painted into images when their value
        # changes, which the view then paints itself. A Python delegate would be called for every
        # visible cell on every repaint, each call waiting for the GIL while workers hold it.
        self._prepared: dict = {}  # during set_rows: `cells_for` made on the reader's worker
        self._unwritten: set[int] = set()  # top-level rows a big change left for the next turns
        self._prepared_later: dict = {}  # the `prepared` of that change
        self.painters: dict[int, Painter] = {}
        self.ink = QColor("black")  # what a picture is drawn in without a colour of its own
        self.pixel_ratio = 1.0
        self.loaded = False

    # ----- cells ----------------------------------------------------------------------------------
    def cells_for(self, rows: Sequence[WatchlistRow], columns: Sequence[Column[WatchlistRow]]) -> dict:
        """Worker thread: the cells of `rows` with `columns`, as the tree will hold them (a company's
        primary line also as its top-level row), by (symbol, line?), with the row they were made
        from: only that row may use them."""
        made = {}
        for node in group_rows(rows):
            made[(node.row.listing.symbol, False)] = (node.row, self._cells(node.row, False, columns))
            for r in node.lines:
                made[(r.listing.symbol, True)] = (r, self._cells(r, True, columns))
        return made

    def _cells(self, r: WatchlistRow, line: bool, columns: Sequence[Column[WatchlistRow]] | None = None
               ) -> tuple[Cell, ...]:
        if columns is None and self._prepared:
            made = self._prepared.get((r.listing.symbol, line))
            if made is not None and made[0] is r:
                return made[1]
        out = []
        for c, col in enumerate(columns or self._columns):
            if line and c in self.company_only:
                out.append(("", None, None, None, None))
                continue
            text = self.line_text[c](r) if line and c in self.line_text else col.text(r)
            out.append((text,
                        col.tooltip(r) if col.tooltip is not None else None,
                        col.foreground(r) if col.foreground is not None else None,
                        col.sort_key(r) if col.sort_key is not None else text,
                        col.value(r) if col.value is not None else None))
        return tuple(out)

    def _new_items(self, cells: tuple[Cell, ...], flags: Qt.ItemFlag) -> list[QStandardItem]:
        items = []
        for c, (col, cell) in enumerate(zip(self._columns, cells)):
            item = QStandardItem()
            item.setFlags(flags)
            item.setData(int(col.align), Qt.ItemDataRole.TextAlignmentRole)
            for role, value in zip(CELL_ROLES, cell):
                if value is not None:
                    item.setData(value, role)
            if c in self.painters:
                item.setData(self._picture(c, cell), Qt.ItemDataRole.DecorationRole)
            items.append(item)
        return items

    def _picture(self, c: int, cell: Cell) -> QImage | None:
        colour = cell[2]
        return self.painters[c](cell[4], QColor(colour) if colour is not None else self.ink, PICTURE_SIZE,
                                self.pixel_ratio)

    def set_ink(self, ink: QColor, pixel_ratio: float) -> None:
        """The palette's text colour and the screen's pixel ratio changed: draw the pictures again."""
        if QColor(ink) != self.ink or pixel_ratio != self.pixel_ratio:
            self.ink, self.pixel_ratio = QColor(ink), pixel_ratio
            self._shown.clear()  # every cell written again
            self._signal_written(range(len(self._nodes)))

    @staticmethod
    def _identify(item: QStandardItem, key: str, symbols: list[str]) -> None:
        item.setData(key, KEY_ROLE)
        item.setData(symbols, SYMBOLS_ROLE)  # a company row charts its primary line: the numbers it shows

    def _write(self, where: tuple[int, int | None], r: WatchlistRow) -> bool:
        """Bring the items of a top-level row (`where` = (row, None)) or of a company's line
        ((company row, line)) up to date; True if any cell changed (signals are the caller's)."""
        top, j = where
        parent, row = (self.invisibleRootItem(), top) if j is None else (self.item(top, 0), j)
        cells = self._cells(r, j is not None)
        old = self._shown.get(where)
        if old == cells:
            return False
        parent_index = parent.index()  # invalid for the root
        for c, cell in enumerate(cells):
            before = old[c] if old is not None else None
            if cell == before:
                continue
            # The roles that changed, written in one call: each call into Qt gives up the GIL, and
            # while workers run Python, getting it back can take a switch interval (process_tuning).
            roles = {role: value for k, (role, value) in enumerate(zip(CELL_ROLES, cell))
                     if before is None or before[k] != value}
            if c in self.painters and (before is None or before[2] != cell[2] or before[4] != cell[4]):
                roles[DECORATION] = self._picture(c, cell)
            self.setItemData(self.index(row, c, parent_index), roles)
        self._shown[where] = cells
        return True

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

    def set_rows(self, rows: Sequence[WatchlistRow], touched: Collection[str] = (), prepared: dict | None = None
                 ) -> None:
        """Show these rows; `touched`: symbols whose cells may have changed though their rows did
        not (a column reads data besides the row); `prepared`: their cells from `cells_for`, made
        with the values the columns will read (so the GUI thread does not make them)."""
        self._prepared = prepared or {}
        try:
            self._set_rows(list(rows), touched)
        finally:
            self._prepared_later = self._prepared if self._unwritten else {}  # for the rows written later
            self._prepared = {}

    def _set_rows(self, rows: list[WatchlistRow], touched: Collection[str]) -> None:
        layout = [(r.listing.symbol, r.listing.company_id) for r in rows]
        if layout == self._layout and self._nodes:
            self._update_in_place(rows, touched)  # the usual case, a quote moved: no regrouping
            self.loaded = True
            return
        new = group_rows(rows)
        old = self._nodes
        shapes_old, shapes_new = [n.shape for n in old], [n.shape for n in new]
        if shapes_old == shapes_new:
            self._nodes = new
            self._signal_written(range(len(new)))
        elif len(new) > len(old) and shapes_new[: len(old)] == shapes_old:
            self._nodes = new
            self._signal_written(range(len(old)))
            for i in range(len(old), len(new)):
                self._append(i, new[i])  # rowsInserted, one top-level row at a time
        else:
            self.beginResetModel()
            self._unwritten = set()  # every row is made afresh below
            blocked = self.blockSignals(True)  # the items' own signals: the reset says it all
            try:
                self.removeRows(0, self.rowCount())
                self._shown.clear()
                self._nodes = new
                for i, n in enumerate(new):
                    self._append(i, n)
            finally:
                self.blockSignals(blocked)
            self.endResetModel()
        self._layout, self._flat = layout, rows
        self._where = {}
        for i, n in enumerate(new):
            for j, r in enumerate(n.lines or (n.row,)):
                self._where[r.listing.symbol] = (i, j if n.lines else None)
        self.loaded = True

    def _append(self, i: int, node: Node) -> None:
        top_cells = self._cells(node.row, False)
        items = self._new_items(top_cells, TOP_FLAGS if node.lines else TOP_FLAGS | _F.ItemNeverHasChildren)
        self._identify(items[0], node.key, [node.row.listing.symbol])
        self._shown[(i, None)] = top_cells
        for j, r in enumerate(node.lines):
            cells = self._cells(r, True)
            children = self._new_items(cells, LINE_FLAGS)
            self._identify(children[0], r.listing.symbol, [r.listing.symbol])
            self._shown[(i, j)] = cells
            items[0].appendRow(children)
        self.appendRow(items)

    def _write_node(self, i: int) -> tuple[bool, list[int]]:
        """Write top-level row `i` and its lines from `_nodes` (signals blocked by the caller):
        whether the top row changed, and which lines did."""
        node = self._nodes[i]
        top = self._write((i, None), node.row)
        if node.lines:
            key = self.item(i, 0)
            if key.data(SYMBOLS_ROLE) != [node.row.listing.symbol]:
                key.setData([node.row.listing.symbol], SYMBOLS_ROLE)
        return top, [j for j, r in enumerate(node.lines) if self._write((i, j), r)]

    def _signal_written(self, tops) -> None:
        """Write the given top-level rows (and their lines), then say which rows changed; past
        WRITE_CHUNK rows, the rest in later turns of the event loop (`_write_later`)."""
        tops = sorted(set(tops) | self._unwritten)
        tops, later = tops[:WRITE_CHUNK], tops[WRITE_CHUNK:]
        if later and not self._unwritten:
            next_turn(self, self._write_later)
        self._unwritten = set(later)
        self._write_now(tops)

    def _write_later(self) -> None:
        pending, self._unwritten = self._unwritten, set()
        self._prepared = self._prepared_later  # cells made for the rows these nodes hold, if still theirs
        try:
            if pending:
                self._signal_written(i for i in pending if i < len(self._nodes))
        finally:
            self._prepared_later = self._prepared if self._unwritten else {}
            self._prepared = {}

    @property
    def writing(self) -> bool:
        """Rows of the last change are still to be written (in the next turns of the event loop)."""
        return bool(self._unwritten)

    def _write_now(self, tops) -> None:
        changed = []
        blocked = self.blockSignals(True)  # one dataChanged per row below, not one per role and cell
        try:
            for i in tops:
                changed.append((i, *self._write_node(i)))
        finally:
            self.blockSignals(blocked)
        # One dataChanged for the span of changed top-level rows and one per company for its lines,
        # not one per row: each signal reaches the sort proxy and the view through PySide, which
        # takes the GIL; while workers ran Python each took 1-4 ms (1 ms turns; 50 rows: ~200 ms).
        last = len(self._columns) - 1
        tops = [i for i, top, _ in changed if top]
        if tops:
            self.dataChanged.emit(self.index(min(tops), 0), self.index(max(tops), last))
        for i, _, lines in changed:
            if lines:
                parent = self.index(i, 0)
                self.dataChanged.emit(self.index(min(lines), 0, parent), self.index(max(lines), last, parent))

    def _update_in_place(self, rows: list[WatchlistRow], touched: Collection[str] = ()) -> None:
        """Same listings in the same order: replace the rows that changed and signal only those."""
        changed: dict[int, dict[int | None, WatchlistRow]] = {}
        for old, new in zip(self._flat, rows):
            if (old is not new and old != new) or new.listing.symbol in touched:
                i, j = self._where[new.listing.symbol]
                changed.setdefault(i, {})[j] = new
        self._flat = rows
        for i, lines in changed.items():
            node = self._nodes[i]
            if None in lines:  # a listing of its own
                self._nodes[i] = Node(node.key, lines[None])
            else:
                merged = tuple(lines.get(j, r) for j, r in enumerate(node.lines))
                self._nodes[i] = Node(node.key, primary_line(merged), merged)
        self._signal_written(sorted(changed))

    def refresh_columns(self) -> None:
        """Re-read every cell (a setting such as the up/down colours changed)."""
        self._signal_written(range(len(self._nodes)))

    # ----- drag and drop: top-level rows only -----------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [NODES_MIME]

    def mimeData(self, indexes) -> QMimeData:
        tops = sorted({i.row() if not i.parent().isValid() else i.parent().row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(NODES_MIME, "\n".join(self._nodes[t].key for t in tops).encode())
        return data

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if not data.hasFormat(NODES_MIME) or action != Qt.DropAction.MoveAction:
            return False
        if parent.isValid():
            on_top = not parent.parent().isValid()
            top = parent.row() if on_top else parent.parent().row()
            target = top if row < 0 and on_top else top + 1  # onto a row: before it
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
