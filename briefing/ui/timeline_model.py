"""The timeline as a tree: year, then month, then the events and flagged news of that month.

Rebuilt whole on each `set_entries` (a few hundred rows at most); the panel keeps the selection
by key across rebuilds.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from briefing.domain.timeline import TimelineEntry, days_until_in_force
from briefing.domain.timeline import in_force_text as tl_in_force

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Date", "In force", "Event", "Category", "Body", "Companies")
IN_FORCE_COLUMN = 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3
UPCOMING = QColor("#c25400")
NEWS = QColor("#6a6a8a")


class _Node:
    __slots__ = ("parent", "row", "children", "entry", "label", "count")

    def __init__(self, parent: _Node | None, row: int, entry: TimelineEntry | None = None, label: str = "") -> None:
        self.parent, self.row, self.entry, self.label = parent, row, entry, label
        self.children: list[_Node] = []
        self.count = 0


def _group_labels(day: date | None) -> tuple[str, str]:
    if day is None:
        return "Undated", "Undated"
    return str(day.year), f"{calendar.month_name[day.month]} {day.year}"


class TimelineModel(QAbstractItemModel):
    """Year → month → entry. Group rows show their label in the first column."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _Node(None, 0)
        self._entries: list[TimelineEntry] = []
        self.company_names: dict[str, str] = {}
        self.today = date.today()

    # ----- building ---------------------------------------------------------------------------------
    def set_entries(self, entries: Sequence[TimelineEntry], today: date | None = None) -> None:
        """Entries newest first (as `domain.timeline.entries` gives them)."""
        self.beginResetModel()
        if today is not None:
            self.today = today
        self._entries = list(entries)
        root = _Node(None, 0)
        years: dict[str, _Node] = {}
        months: dict[tuple[str, str], _Node] = {}
        for e in self._entries:
            y_label, m_label = _group_labels(e.day)
            year = years.get(y_label)
            if year is None:
                year = years[y_label] = _Node(root, len(root.children), label=y_label)
                root.children.append(year)
            month = months.get((y_label, m_label))
            if month is None:
                month = months[(y_label, m_label)] = _Node(year, len(year.children), label=m_label)
                year.children.append(month)
            month.children.append(_Node(month, len(month.children), entry=e))
            month.count += 1
            year.count += 1
        self._root = root
        self.endResetModel()

    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def index_of(self, key: str) -> QModelIndex:
        for year in self._root.children:
            for month in year.children:
                for leaf in month.children:
                    if leaf.entry.key == key:
                        return self.createIndex(leaf.row, 0, leaf)
        return QModelIndex()

    def entry(self, index: Index) -> TimelineEntry | None:
        node = self._node(index)
        return node.entry if node is not None else None

    # ----- Qt model API ----------------------------------------------------------------------------
    def _node(self, index: Index) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        owner = self._node(parent) or self._root
        return self.createIndex(row, column, owner.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self._node(parent) or self._root
        return len(owner.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        node = self._node(index)
        if node is None:
            return None
        if node.entry is None:  # a year or month row
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return f"{node.label}  ({node.count})"
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        e = node.entry
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(e)
        if role == Qt.ItemDataRole.ForegroundRole:
            if e.is_news:
                return NEWS
            if col == IN_FORCE_COLUMN and self._days(e) is not None:
                return UPCOMING
        if role == Qt.ItemDataRole.FontRole and (e.is_news or (col == IN_FORCE_COLUMN and self._days(e) is not None)):
            font = QFont()
            font.setItalic(e.is_news)
            font.setBold(not e.is_news)
            return font
        if role == ENTRY_ROLE:
            return e
        if role == KEY_ROLE:
            return e.key
        return None

    def _days(self, e: TimelineEntry) -> int | None:
        return days_until_in_force(e.event, self.today) if e.event is not None else None

    def _text(self, e: TimelineEntry, col: int) -> str:
        if col == 0:
            return e.day.isoformat() if e.day else "undated"
        if col == IN_FORCE_COLUMN:
            if e.event is None or e.event.effective is None:
                return ""
            days = self._days(e)
            return tl_in_force(days) if days is not None else e.event.effective.isoformat()
        if col == 2:
            return e.title
        if col == 3:
            return e.category_label
        if col == 4:
            return e.body
        return ", ".join(self.company_names.get(c, c) for c in e.companies)

    def _tooltip(self, e: TimelineEntry) -> str:
        if e.event is not None:
            return "\n".join(x for x in (e.title, e.event.summary, e.event.source_url) if x)
        c = e.candidate
        return f"{c.item.title}\nFlagged as regulatory: {c.verdict.reason}\n{c.item.url}"


def make_timeline_view(model: TimelineModel, parent: QWidget | None = None) -> QTreeView:
    view = QTreeView(parent)
    view.setObjectName("timelineTree")
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setIndentation(14)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.header().setStretchLastSection(True)
    return view
