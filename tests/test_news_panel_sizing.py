"""A news reload does no per-row column sizing on the GUI thread.

Resizing the flag and date columns to contents at every reload asked the model for up to 1,000
rows each time; with a large cache refreshing every minute that was a visible stall. The columns
get fixed widths from font metrics instead, wide enough for what they show.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from briefing.domain.models import Feed
from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.services.tasks import TaskRunner
from briefing.ui.news_model import FLAG, WHEN, NewsModel
from briefing.ui import news_panel
from briefing.ui.news_panel import LIST_LIMIT, NewsPanel

NOW = int(time.time())


def entry(i: int) -> FeedEntry:
    title, link = f"Item {i}: Baidu expands robotaxi fleet in city {i}", f"https://a.example/{i}"
    return FeedEntry(entry_key=entry_key("", link, title, "", NOW - i * 60), title=title, url=link,
                     published=NOW - i * 60, canonical_url=canonical_url(link), title_tokens=title_tokens(title))


@pytest.fixture
def many(store):
    for f in store.feeds.all():  # the bundled default feeds are real sites: never fetched in tests
        store.feeds.update(f.id, enabled=False)
    feed = store.feeds.add(Feed("https://a.example/rss", "Wire A"))
    store.news.ingest(feed, [entry(i) for i in range(LIST_LIMIT + 100)], now=NOW, retention_days=0)
    store.news.set_flags(store.news.items()[0].id, starred=True)  # "★●": the widest flag
    return store


class CountingModel(NewsModel):
    """Records the rows the view asks about."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.asked: list[int] = []

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.asked.append(index.row())
        return super().data(index, role)


@pytest.fixture
def panel(qtbot, many, monkeypatch):
    monkeypatch.setattr(news_panel, "NewsModel", CountingModel)
    runner = TaskRunner()
    p = NewsPanel(many, runner)
    qtbot.addWidget(p)
    p.resize(900, 700)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=10000):
        p.reload()
    yield p
    runner.shutdown()


def test_a_reload_with_many_rows_sizes_no_column_from_its_rows(panel, monkeypatch):
    assert panel.model.rowCount() == LIST_LIMIT
    resized = []
    monkeypatch.setattr(panel.view, "resizeColumnToContents", resized.append)
    monkeypatch.setattr(panel.view, "sizeHintForColumn", lambda c: resized.append(c) or 0)
    data = panel.read()  # the worker's part, here on this thread: only show_data is measured
    panel.model.set_rows([])  # the next show is a full load of LIST_LIMIT rows, then a reload of them
    panel.model.asked.clear()
    panel.show_data(data)
    panel.show_data(panel.read())
    assert resized == []
    assert len(set(panel.model.asked)) < 50  # a screenful at most (selection), never every row


def test_the_fixed_columns_fit_their_widest_text(panel, qtbot):
    starred = panel.model.row(0)
    assert starred.starred and not starred.is_read and panel.model.data(panel.model.index(0, FLAG)) == "★●"
    for column in (FLAG, WHEN):
        # what resizing to contents would give for these rows (bold unread text included)
        assert panel.view.columnWidth(column) >= panel.view.sizeHintForColumn(column)
        assert panel.view.columnWidth(column) >= panel.view.horizontalHeader().sectionSizeHint(column)
    flag = panel.view.columnWidth(FLAG)
    font = panel.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    panel.setFont(font)  # a bigger font: the columns follow
    qtbot.waitUntil(lambda: panel.view.columnWidth(FLAG) > flag)
    assert panel.view.columnWidth(FLAG) >= panel.view.sizeHintForColumn(FLAG)
