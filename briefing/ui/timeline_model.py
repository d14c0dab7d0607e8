"""The timeline as a tree: year, then month, then the events and flagged news of that month.

The cells live in Qt items (`QStandardItemModel`): the view paints without calling Python, where
each call could wait a GIL turn while feed threads run. `set_entries` changes only
what changed (rows out, rows in, cells rewritten), so the selection, the folded groups and the
scroll position survive a reload, and a reload that changes nothing signals nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Hashable, Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from briefing.domain.timeline import TimelineEntry, days_until_in_force
from briefing.domain.timeline import in_force_text as tl_in_force

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Date", "In force", "Event", "Category", "Body", "Companies")
IN_FORCE_COLUMN = 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # ENTRY_ROLE and KEY_ROLE: on an entry row's first column
UPCOMING = QColor("#c25400")
NEWS = QColor("#6a6a8a")
DISPLAY, TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
FOREGROUND, FONT = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole
READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
LEAF_FLAGS = READ_ONLY | Qt.ItemFlag.ItemNeverHasChildren

Cell = tuple[str, str, str]  # text, tooltip, style: "" plain, "news", "upcoming"
GroupKey = tuple[str, ...]  # (year,) or (year, month); () is the root
Tree = dict[str, dict[str, list[TimelineEntry]]]  # year -> month -> entries
MONTHS = tuple(calendar.month_name)  # looked up once: each `month_name[m]` runs strftime


def group_labels(day: date | None) -> tuple[str, str]:
    """The year and month rows an entry of this day sits under."""
    if day is None:
        return "Undated", "Undated"
    return str(day.year), f"{MONTHS[day.month]} {day.year}"


def grouped(entries: Sequence[TimelineEntry]) -> Tree:
    """Entries (newest first) by year and month, groups in the order they first appear."""
    tree: Tree = {}
    for e in entries:
        year, month = group_labels(e.day)
        tree.setdefault(year, {}).setdefault(month, []).append(e)
    return tree


def entry_cells(e: TimelineEntry, today: date, names: dict[str, str]) -> tuple[Cell, ...]:
    """What each column of an entry's row shows."""
    days = days_until_in_force(e.event, today) if e.event is not None else None
    if e.event is not None:
        tip = "\n".join(x for x in (e.title, e.event.summary, e.event.source_url) if x)
        effective = e.event.effective
        in_force = "" if effective is None else tl_in_force(days) if days is not None else effective.isoformat()
    else:
        c = e.candidate
        tip = f"{c.item.title}\nFlagged as regulatory: {c.verdict.reason}\n{c.item.url}"
        in_force = ""
    texts = (e.day.isoformat() if e.day else "undated", in_force, e.title, e.category_label, e.body,
             ", ".join(names.get(c, c) for c in e.companies))
    style = "news" if e.is_news else ""
    return tuple((text, tip, style or ("upcoming" if col == IN_FORCE_COLUMN and days is not None else ""))
                 for col, text in enumerate(texts))


def group_text(label: str, count: int) -> str:
    return f"{label}  ({count})"


class TimelineModel(QStandardItemModel):
    """Year → month → entry. Group rows show their label and count in the first column."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._entries: list[TimelineEntry] = []
        self._by_key: dict[str, TimelineEntry] = {}
        self._leaves: dict[str, QStandardItem] = {}  # entry key -> its row's first item
        self._month_of: dict[str, GroupKey] = {}  # entry key -> the month row it sits under
        self._shown: dict[str, tuple[Cell, ...]] = {}  # entry key -> what its items hold
        self._groups: dict[GroupKey, QStandardItem] = {}
        self._order: dict[GroupKey, list] = {}  # the keys of each group's rows, as last placed
        self._written_for: tuple[date, dict[str, str]] | None = None  # the day and names the cells show
        self.company_names: dict[str, str] = {}
        self.today = date.today()
        bold, italic = QFont(), QFont()
        bold.setBold(True)
        italic.setItalic(True)
        self._bold = bold
        self._styles = {"": (None, None), "news": (NEWS, italic), "upcoming": (UPCOMING, bold)}
        self._built: set[str] = set()  # entries whose rows this update created
        self._prepared: dict[str, tuple[tuple[Cell, ...], list[QStandardItem]]] = {}
        self.known_keys: frozenset[str] = frozenset()  # entries it holds rows for (read by `prepare`)

    # ----- reading --------------------------------------------------------------------------------
    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def index_of(self, key: str) -> QModelIndex:
        item = self._leaves.get(key)
        return item.index() if item is not None else QModelIndex()

    def entry(self, index: Index) -> TimelineEntry | None:
        return self._by_key.get(index.siblingAtColumn(0).data(KEY_ROLE)) if index.isValid() else None

    # ----- updating -------------------------------------------------------------------------------
    def prepare(self, entries: Sequence[TimelineEntry], today: date, names: dict[str, str]) -> dict:
        """Worker thread: the rows (cells and items) of entries the model holds no row for, made
        with `today` and `names`. `set_entries` uses a row if its cells are what it would write:
        a first load then adds ~70 made rows instead of making ~350 items in ~2,500 calls into Qt
        on the GUI thread, each of which could wait for the GIL while a worker ran."""
        known = self.known_keys
        out = {}
        for e in entries:
            if e.key not in known:
                cells = entry_cells(e, today, names)
                out[e.key] = (cells, self._leaf_items(e, cells))
        return out

    def set_entries(self, entries: Sequence[TimelineEntry], today: date | None = None,
                    prepared: dict | None = None) -> list[QModelIndex]:
        """Show these entries (newest first, as `domain.timeline.entries` gives them); the year and
        month rows this added, for the view to expand. `prepared`: from `prepare` (used once)."""
        if today is not None:
            self.today = today
        entries = list(entries)
        tree = grouped(entries)
        self._built.clear()
        self._prepared = prepared or {}  # read, never changed: the caller's
        try:
            self._remove_gone(tree)
            created = self._insert_new(tree, {e.key: e for e in entries})
        finally:
            self._prepared = {}
        self._rewrite(entries)
        self._entries = entries
        self.known_keys = frozenset(self._leaves)
        return [item.index() for item in created]

    def _remove_gone(self, tree: Tree) -> None:
        """Remove the rows of entries that went or moved to another month, then the emptied groups."""
        wanted = {e.key: (year, month) for year, months in tree.items()
                  for month, rows in months.items() for e in rows}
        for key in [k for k, month in self._month_of.items() if wanted.get(k) != month]:
            self._drop(self._leaves.pop(key))
            del self._month_of[key], self._shown[key], self._by_key[key]
        groups = {(y,) for y in tree} | {(y, m) for y, months in tree.items() for m in months}
        for group in sorted((g for g in self._groups if g not in groups), key=len, reverse=True):
            self._drop(self._groups.pop(group))  # months before their years

    def _insert_new(self, tree: Tree, given: dict[str, TimelineEntry]) -> list[QStandardItem]:
        """Insert the rows not shown yet at their place; the group rows created (with their rows)."""
        created: list[QStandardItem] = []
        order: dict[GroupKey, list] = {(): list(tree)}
        for year, months in tree.items():
            order[(year,)] = list(months)
            for month, rows in months.items():
                order[(year, month)] = [e.key for e in rows]
        for parent, keys in order.items():
            if self._order.get(parent) == keys:
                continue  # nothing went, came or moved under this row
            if not parent:
                self._place(self.invisibleRootItem(), keys, lambda y: self._groups.get((y,)),
                            lambda y: self._new_year(y, tree[y], created))
            elif len(parent) == 1:
                self._place(self._groups[parent], keys, lambda m, y=parent[0]: self._groups.get((y, m)),
                            lambda m, y=parent[0]: self._new_month(y, m, tree[y][m], created))
            else:
                self._place(self._groups[parent], keys, self._leaves.get,
                            lambda k, month=parent: self._new_leaf(given[k], month))
                self._relabel(self._groups[parent], parent[1], len(keys))
            if parent:
                year = parent[0]
                self._relabel(self._groups[(year,)], year, sum(map(len, tree[year].values())))
        self._order = order
        return created

    def _container(self, item: QStandardItem) -> QStandardItem:
        return item.parent() or self.invisibleRootItem()

    def _drop(self, item: QStandardItem) -> None:
        self._container(item).removeRow(item.row())

    @staticmethod
    def _place(parent: QStandardItem, keys: list[Hashable], find: Callable[[Hashable], QStandardItem | None],
               build: Callable[[Hashable], list[QStandardItem]]) -> None:
        """Make `parent`'s rows the given keys in that order: rows already there stay (moved when out of
        order, which sorting by date never asks), the others are built and inserted."""
        for i, key in enumerate(keys):
            item = find(key)
            if item is None:
                parent.insertRow(i, build(key))
            elif item.row() != i:
                parent.insertRow(i, parent.takeRow(item.row()))

    def _group_row(self, key: GroupKey, label: str, count: int, created: list[QStandardItem]) -> list[QStandardItem]:
        items = [QStandardItem() for _ in COLUMNS]
        for item in items:
            item.setFlags(READ_ONLY)
        items[0].setText(group_text(label, count))
        items[0].setFont(self._bold)
        self._groups[key] = items[0]
        created.append(items[0])
        return items

    def _new_year(self, year: str, months: dict[str, list[TimelineEntry]],
                  created: list[QStandardItem]) -> list[QStandardItem]:
        items = self._group_row((year,), year, sum(len(rows) for rows in months.values()), created)
        for month, rows in months.items():
            items[0].appendRow(self._new_month(year, month, rows, created))
        return items

    def _new_month(self, year: str, month: str, rows: list[TimelineEntry],
                   created: list[QStandardItem]) -> list[QStandardItem]:
        items = self._group_row((year, month), month, len(rows), created)
        for e in rows:
            items[0].appendRow(self._new_leaf(e, (year, month)))
        return items

    def _new_leaf(self, e: TimelineEntry, month: GroupKey) -> list[QStandardItem]:
        cells = entry_cells(e, self.today, self.company_names)
        ready = self._prepared.get(e.key)
        items = ready[1] if ready is not None and ready[0] == cells else self._leaf_items(e, cells)
        self._leaves[e.key], self._month_of[e.key], self._shown[e.key], self._by_key[e.key] = \
            items[0], month, cells, e
        self._built.add(e.key)
        return items

    def _leaf_items(self, e: TimelineEntry, cells: tuple[Cell, ...]) -> list[QStandardItem]:
        """An entry's row, not yet in the model (so a worker may make it)."""
        items = []
        for text, tip, style in cells:
            item = QStandardItem(text)
            item.setFlags(LEAF_FLAGS)
            if style:
                colour, font = self._styles[style]
                item.setData(colour, FOREGROUND)
                item.setData(font, FONT)
            item.setData(tip, TOOLTIP)
            items.append(item)
        items[0].setData(e.key, KEY_ROLE)  # the row's first cell only: a first build writes ~2,000 items
        items[0].setData(e, ENTRY_ROLE)
        return items

    def _write_cell(self, item: QStandardItem, cell: Cell, before: Cell) -> None:
        text, tip, style = cell
        if before[0] != text:
            item.setData(text, DISPLAY)
        if before[1] != tip:
            item.setData(tip, TOOLTIP)
        if before[2] != style:
            colour, font = self._styles[style]
            item.setData(colour, FOREGROUND)
            item.setData(font, FONT)

    @staticmethod
    def _relabel(item: QStandardItem, label: str, count: int) -> None:
        text = group_text(label, count)
        if item.text() != text:
            item.setText(text)

    def _rewrite(self, entries: list[TimelineEntry]) -> None:
        """Rewrite the cells of entries whose texts changed (an edit, a new `today`, a company name);
        one `dataChanged` per changed row."""
        changed = []
        basis = (self.today, dict(self.company_names))
        same_basis, self._written_for = basis == self._written_for, basis
        blocked = self.blockSignals(True)
        try:
            for e in entries:
                old_entry = self._by_key[e.key]
                if e.key in self._built:
                    continue  # written just now
                if same_basis and (old_entry is e or old_entry == e):
                    continue  # the same entry on the same day with the same names: the same cells
                cells = entry_cells(e, self.today, self.company_names)
                before = self._shown[e.key]
                if cells == before and (old_entry is e or old_entry == e):
                    continue
                first = self._leaves[e.key]
                parent = self._container(first)
                for col, cell in enumerate(cells):
                    self._write_cell(parent.child(first.row(), col), cell, before[col])
                if old_entry is not e:
                    first.setData(e, ENTRY_ROLE)
                self._shown[e.key], self._by_key[e.key] = cells, e
                changed.append(first)
        finally:
            self.blockSignals(blocked)
        for first in changed:
            index = first.index()
            self.dataChanged.emit(index, index.siblingAtColumn(len(COLUMNS) - 1))


def make_timeline_view(model: TimelineModel, parent: QWidget | None = None) -> QTreeView:
    view = QTreeView(parent)
    view.setObjectName("timelineTree")
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setIndentation(14)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.header().setStretchLastSection(True)
    return view
