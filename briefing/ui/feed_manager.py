"""The feed manager: every feed with its state (last fetch, last error in plain words, items),
and adding, editing, removing, enabling, OPML import/export, refreshing a selection."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QMessageBox, QPushButton, QSpinBox, QTableView, QVBoxLayout,
)

from briefing.domain.models import Feed
from briefing.domain.news_records import FeedStatus
from briefing.store import changes as topics
from briefing.ui.table_model import RIGHT, Column, RowTableModel

STATE_WORDS = {"ok": "OK", "warning": "OK, with a warning", "error": "failing", "disabled": "disabled",
               "never fetched": "not fetched yet"}


def _ago(ts: int | None) -> str:
    if ts is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def feed_columns() -> list[Column[FeedStatus]]:
    return [
        Column("Feed", lambda s: s.feed.title or s.feed.url, tooltip=lambda s: s.feed.url),
        Column("Folder", lambda s: s.feed.folder),
        Column("State", lambda s: STATE_WORDS.get(s.state, s.state),
               tooltip=lambda s: f"{s.feed.failures} failed fetches in a row" if s.feed.failures else ""),
        Column("Last fetch", lambda s: _ago(s.feed.last_fetch),
               tooltip=lambda s: f"last success: {_ago(s.feed.last_success)}"),
        Column("Problem", lambda s: s.feed.last_error or s.feed.last_warning or "",
               tooltip=lambda s: s.feed.last_error or s.feed.last_warning or ""),
        Column("Items", lambda s: str(s.items), RIGHT, sort_key=lambda s: s.items),
        Column("Unread", lambda s: str(s.unread), RIGHT, sort_key=lambda s: s.unread),
        Column("Every", lambda s: f"{s.feed.refresh_minutes} min", RIGHT),
        Column("Address", lambda s: s.feed.url),
    ]


class FeedsModel(RowTableModel[FeedStatus]):
    def __init__(self, parent=None) -> None:
        super().__init__(feed_columns(), key=lambda s: s.feed.id, parent=parent)


class FeedEditDialog(QDialog):
    """Address, title, folder, interval, enabled: for a new feed or an existing one."""

    def __init__(self, feed: Feed | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit feed" if feed else "Add feed")
        self.url = QLineEdit(feed.url if feed else "", self)
        self.url.setPlaceholderText("https://example.com/feed.xml")
        self.title = QLineEdit(feed.title if feed else "", self)
        self.title.setPlaceholderText("(the feed's own title)")
        self.folder = QLineEdit(feed.folder if feed else "", self)
        self.folder.setPlaceholderText("e.g. China / Tech")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(1, 7 * 24 * 60)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(feed.refresh_minutes if feed else 30)
        self.enabled = QCheckBox("Fetch this feed", self)
        self.enabled.setChecked(feed.enabled if feed else True)
        self.error = QLabel("", self)
        self.error.setStyleSheet("color: #c0392b")
        form = QFormLayout()
        form.addRow("Address:", self.url)
        form.addRow("Title:", self.title)
        form.addRow("Folder:", self.folder)
        form.addRow("Refresh every:", self.minutes)
        form.addRow("", self.enabled)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def values(self) -> dict:
        return {"url": self.url.text().strip(), "title": self.title.text().strip(),
                "folder": self.folder.text().strip(), "refresh_minutes": self.minutes.value(),
                "enabled": self.enabled.isChecked()}

    def _accept(self) -> None:
        url = self.url.text().strip()
        if not url.lower().startswith(("http://", "https://")) or len(url) < 10:
            self.error.setText("The address must start with http:// or https://")
            return
        self.accept()


class FeedManager(QDialog):
    """A view over `store.feeds.statuses()`; every change goes through the task runner."""

    refresh_requested = Signal(list)  # feed ids

    def __init__(self, store, runner, signals=None, parent=None) -> None:
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.setWindowTitle("Feeds")
        self.model = FeedsModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("feedTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        for text, slot in (("Add…", self.add_dialog), ("Edit…", self.edit_selected), ("Remove", self.remove_selected),
                           ("Enable/disable", self.toggle_selected), ("Refresh selected", self.refresh_selected),
                           ("Import OPML…", self.import_dialog), ("Export OPML…", self.export_dialog)):
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.resize(1100, 480)
        if signals is not None:
            signals.changed.connect(self._on_changed)
        self.reload()

    # ----- data ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.runner.run(self.store.feeds.statuses, self._show, name="feed list")

    def _show(self, statuses: list[FeedStatus]) -> None:
        self.model.set_rows(statuses)
        self.view.resizeColumnsToContents()
        self.view.setColumnWidth(4, min(self.view.columnWidth(4), 360))

    def _on_changed(self, batch) -> None:
        if any(c.topic in (topics.FEEDS, topics.NEWS) for c in batch):
            self.reload()

    def selected(self) -> list[FeedStatus]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row(r) for r in rows]

    def _run(self, fn, done_text) -> None:
        def ok(result) -> None:
            self.message.setText(done_text(result) if callable(done_text) else done_text)

        def failed(exc: BaseException) -> None:
            self.message.setText(f"Could not do that: {exc}")

        self.runner.run(fn, ok, failed, name="feed change")

    # ----- actions ------------------------------------------------------------------------------------
    def add_feed(self, values: dict) -> None:
        feed = Feed(url=values["url"], title=values.get("title", ""), folder=values.get("folder", ""),
                    refresh_minutes=values.get("refresh_minutes", 30), enabled=values.get("enabled", True))
        self._run(lambda: self.store.feeds.add(feed), lambda fid: f"Added {feed.title or feed.url}; it is fetched "
                                                                  "at the next refresh.")

    def add_dialog(self) -> None:
        dialog = FeedEditDialog(parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_feed(dialog.values())

    def edit_feed(self, feed_id: int, values: dict) -> None:
        self._run(lambda: self.store.feeds.update(feed_id, **values), "Saved.")

    def edit_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            self.message.setText("Select one feed to edit.")
            return
        dialog = FeedEditDialog(chosen[0].feed, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.edit_feed(chosen[0].feed.id, dialog.values())

    def remove_feeds(self, feed_ids: list[int]) -> None:
        def run() -> int:
            return sum(self.store.feeds.remove(fid) for fid in feed_ids)

        self._run(run, lambda n: f"Removed {len(feed_ids)} feed(s) and {n} of their items (starred items and "
                                 "stories other feeds also carry were kept).")

    def remove_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        names = ", ".join(s.feed.title or s.feed.url for s in chosen[:5])
        answer = QMessageBox.question(self, "Remove feeds", f"Remove {names}? Their unstarred items go too.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_feeds([s.feed.id for s in chosen])

    def toggle_selected(self) -> None:
        for s in self.selected():
            self.edit_feed(s.feed.id, {"enabled": not s.feed.enabled})

    def refresh_selected(self) -> None:
        ids = [s.feed.id for s in self.selected()]
        if ids:
            self.refresh_requested.emit(ids)
            self.message.setText(f"Refreshing {len(ids)} feed(s)…")

    def import_file(self, path: str) -> None:
        from briefing.services.feed_files import import_opml

        self._run(lambda: import_opml(self.store, Path(path)), lambda r: r.summary())

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import OPML", "", "OPML (*.opml *.xml);;All files (*)")
        if path:
            self.import_file(path)

    def export_file(self, path: str) -> None:
        from briefing.services.feed_files import export_opml

        self._run(lambda: export_opml(self.store, Path(path)), lambda n: f"Exported {n} feeds to {path}.")

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export OPML", "feeds.opml", "OPML (*.opml)")
        if path:
            self.export_file(path)
