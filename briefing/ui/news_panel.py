"""News panel: items from every feed, newest first, tagged by company, with a safe reader pane."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QLineEdit, QSplitter, QTableView, QTextBrowser, QVBoxLayout,
)

from briefing.domain import formatting as fmt
from briefing.domain.models import NewsItem
from briefing.store import changes as topics
from briefing.store.news import NewsFilter
from briefing.ui.panel import Panel
from briefing.ui.table_model import Column, RowTableModel


def _when(item: NewsItem) -> str:
    if item.published is None:
        return "undated"
    return time.strftime("%m-%d %H:%M", time.localtime(item.published))


def news_columns(company_names: dict[str, str]) -> list[Column[NewsItem]]:
    return [
        Column("Published", _when, sort_key=lambda n: n.published or 0),
        Column("Title", lambda n: n.title, tooltip=lambda n: n.title),
        Column("Companies", lambda n: ", ".join(company_names.get(c, c) for c in n.companies)),
        Column("Source", lambda n: n.source),
    ]


class NewsModel(RowTableModel[NewsItem]):
    def __init__(self, parent=None) -> None:
        self.company_names: dict[str, str] = {}
        super().__init__(news_columns(self.company_names), key=lambda n: n.id, parent=parent)


def reader_html(item: NewsItem) -> str:
    """The item as the reader shows it: every field escaped, so a feed cannot inject markup."""
    link = html.escape(item.url, quote=True)
    parts = [f"<h3>{html.escape(item.title)}</h3>"]
    meta = " · ".join(x for x in (html.escape(item.source), fmt.utc_date(item.published) + " UTC") if x)
    parts.append(f"<p style='color:gray'>{meta}</p>")
    parts.append(f"<p>{html.escape(item.summary)}</p>")
    if item.url.startswith(("http://", "https://")):
        parts.append(f"<p><a href='{link}'>Open in browser</a></p>")
    return "".join(parts)


class NewsPanel(Panel):
    topics = (topics.NEWS, topics.INSTRUMENTS)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.model = NewsModel(self)
        self.filter = NewsFilter(limit=300)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search news (English or 中文)…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search news")
        self.search.returnPressed.connect(self._on_search)
        self.view = QTableView(self)
        self.view.setObjectName("newsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.reader = QTextBrowser(self)
        self.reader.setObjectName("newsReader")
        self.reader.setOpenExternalLinks(True)  # the system browser, never an embedded one
        self.reader.setPlaceholderText("Select an item to read it.")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.view)
        split.addWidget(self.reader)
        split.setSizes([300, 120])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(split)

    def read(self):
        names = {c.id: c.name_en for c in self.store.instruments.companies()}
        return names, self.store.news.items(self.filter)

    def show_data(self, data) -> None:
        names, items = data
        self.model.company_names.clear()
        self.model.company_names.update(names)
        self.model.set_rows(items)
        self.view.resizeColumnToContents(0)
        self.view.setColumnWidth(1, max(320, self.view.columnWidth(1)))
        if items and not self.view.currentIndex().isValid():
            self.view.selectRow(0)

    def _on_search(self) -> None:
        self.filter = NewsFilter(text=self.search.text(), limit=self.filter.limit)
        self.reload()

    def _on_current(self, current, _previous) -> None:
        if current.isValid():
            self.reader.setHtml(reader_html(self.model.row(current.row())))
