"""Help > Keyboard shortcuts: a table generated from the window's actions, so it never goes stale."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QMenu, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").rstrip(".")


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, action, shortcut) for every action with a shortcut: menus first, then the rest."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for act in menu.actions():
            if act.menu() is not None:
                walk(act.menu(), f"{path} > {_clean(act.text())}")
            elif not act.isSeparator():
                seen.add(id(act))
                for seq in act.shortcuts():
                    rows.append((path, _clean(act.text()), seq.toString(QKeySequence.SequenceFormat.NativeText)))

    menubar = getattr(window, "menuBar", None)
    if menubar is not None:
        for top in menubar().actions():
            if top.menu() is not None:
                walk(top.menu(), _clean(top.text()))
    for act in window.findChildren(QAction):
        if id(act) in seen or not act.shortcuts() or not act.text():
            continue
        seen.add(id(act))
        owner = act.parent()
        where = _clean(getattr(owner, "windowTitle", lambda: "")() or "") or "Panels"
        for seq in act.shortcuts():
            rows.append((where, _clean(act.text()), seq.toString(QKeySequence.SequenceFormat.NativeText)))
    return rows


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window, read from its actions."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.table = QTableWidget(len(self.rows), 3, self)  # a read-only listing, rebuilt on each open
        self.table.setHorizontalHeaderLabels(["Where", "Action", "Shortcut"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Keyboard shortcuts")
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 440)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
