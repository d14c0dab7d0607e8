"""Rows prepared on a worker (`RowTableModel.prepare`): the same cells as rows written on the GUI
thread, placed with one call into Qt per row; stale preparations are not used."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QTableView
from shiboken6 import Shiboken

from briefing.domain.models import NewsItem
from briefing.ui.news_model import COMPANIES, NewsModel
from briefing.ui.table_model import CELL_ROLES

NOW = int(time.time())
ROLES = (*CELL_ROLES, int(Qt.ItemDataRole.TextAlignmentRole))
NAMES = {"baidu": "Baidu", "tencent": "Tencent"}


def item(i: int, **kw) -> NewsItem:
    values = dict(id=f"n{i}", title=f"Story {i}", published=None if i % 7 == 3 else NOW - i * 60,
                  source="Wire A", is_read=i % 3 == 0, starred=i % 5 == 0, source_count=1 + i % 4,
                  companies=(("baidu",) if i % 2 else ("tencent", "baidu")), summary="s" * (i % 3) * 50)
    values.update(kw)
    return NewsItem(**values)


def everything(model) -> list:
    """Every role of every cell, and the flags: what a view can ask for."""
    return [[(tuple(model.index(r, c).data(role) for role in ROLES), model.index(r, c).flags())
             for c in range(model.columnCount())] for r in range(model.rowCount())]


def shown(qtbot, model) -> QTableView:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view._proxy = proxy
    return view


def made_on_a_worker(model, rows, names, every=False):
    out = []
    t = threading.Thread(target=lambda: out.append(model.prepare_rows(rows, names, every)))
    t.start()
    t.join(10)
    return out[0]


def qt_calls(fn) -> dict[str, int]:
    """The calls into Qt (C functions of PySide) this thread makes while `fn` runs, by name."""
    counts: dict[str, int] = {}

    def hook(_frame, event, arg):
        if event == "c_call" and isinstance(getattr(arg, "__self__", None), Shiboken.Object):  # a Qt object's method
            counts[arg.__name__] = counts.get(arg.__name__, 0) + 1

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return counts


def test_prepared_rows_hold_what_rows_written_here_hold(qtbot):
    rows = [item(i) for i in range(60)]
    here, there = NewsModel(), NewsModel()
    shown(qtbot, here), shown(qtbot, there)
    for m in (here, there):
        m.company_names.update(NAMES)
    here.set_rows(rows)
    there.set_rows(rows, made_on_a_worker(there, rows, NAMES))
    assert everything(there) == everything(here) and there.rows() == rows
    more = [item(i, title=f"New {i}") for i in range(100, 104)] + [r for r in rows[:50]]  # new on top, some gone
    for m in (here, there):
        m.set_rows(more, made_on_a_worker(m, more, NAMES) if m is there else None)
    assert everything(there) == everything(here) and there.rows() == more


def test_the_first_rows_are_placed_with_one_call_per_row(qtbot):
    rows = [item(i) for i in range(500)]
    model = NewsModel()
    shown(qtbot, model)
    model.company_names.update(NAMES)
    prepared = made_on_a_worker(model, rows, NAMES)
    calls = qt_calls(lambda: model.set_rows(rows, prepared))
    assert calls.get("appendRow") == 500
    assert not calls.get("setItemData") and not calls.get("setData")  # no cell written on this thread
    assert model.rowCount() == 500 and model.index(499, 2).data() == "Story 499"


def test_a_later_read_makes_items_only_for_new_rows_unless_the_list_is_new(qtbot):
    rows = [item(i) for i in range(20)]
    model = NewsModel()
    shown(qtbot, model)
    model.company_names.update(NAMES)
    model.set_rows(rows, made_on_a_worker(model, rows, NAMES))
    later = [item(99)] + rows
    prepared = made_on_a_worker(model, later, NAMES)
    assert set(prepared.items) == {"n99"} and len(prepared.cells) == 21
    assert len(made_on_a_worker(model, later, NAMES, every=True).items) == 21


def test_cells_made_with_other_company_names_are_not_used(qtbot):
    rows = [item(i) for i in range(10)]
    model = NewsModel()
    shown(qtbot, model)
    prepared = made_on_a_worker(model, rows, {"baidu": "Old name", "tencent": "Tencent"})
    model.company_names.update(NAMES)  # the names changed between the read and the showing
    model.set_rows(rows, prepared)
    assert model.index(1, COMPANIES).data() == "Baidu"


@pytest.mark.parametrize("every", [False, True])
def test_a_reordered_list_with_partly_prepared_items_is_still_complete(qtbot, every):
    rows = [item(i) for i in range(30)]
    model = NewsModel()
    shown(qtbot, model)
    model.company_names.update(NAMES)
    model.set_rows(rows)
    other = list(reversed(rows[10:])) + [item(i) for i in range(200, 205)]  # a reset: new order
    model.set_rows(other, made_on_a_worker(model, other, NAMES, every))
    reference = NewsModel()
    reference.company_names.update(NAMES)
    reference.set_rows(other)
    assert everything(model) == everything(reference)


def test_the_news_panels_read_prepares_new_rows_and_a_new_filters_whole_list(qtbot, store):
    from briefing.domain.models import Feed
    from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
    from briefing.domain.news_records import FeedEntry
    from briefing.services.tasks import TaskRunner
    from briefing.ui.news_panel import NewsPanel

    feed = store.feeds.add(Feed("https://a.example/rss", "Wire A"))

    def add(i: int) -> None:
        title, link = f"Item {i}: Baidu expands robotaxi fleet", f"https://a.example/{i}"
        store.news.ingest(feed, [FeedEntry(entry_key=entry_key("", link, title, "", NOW - i * 60), title=title,
                                           url=link, published=NOW - i * 60, canonical_url=canonical_url(link),
                                           title_tokens=title_tokens(title))], now=NOW, retention_days=0)

    for i in range(1, 11):
        add(i)
    runner = TaskRunner()
    try:
        panel = NewsPanel(store, runner)
        qtbot.addWidget(panel)
        first = panel.read()  # the worker's part, here
        assert len(first.prepared.items) == 10
        panel.show_data(first)
        add(0)
        again = panel.read()
        assert [r.id for r in again.items if r.id in again.prepared.items] == [again.items[0].id]  # the new one
        panel.show_data(again)
        assert panel.model.rowCount() == 11 and panel.model.rows() == again.items
        panel.filter = panel.filter.__class__(unread_only=True, limit=panel.filter.limit)  # as the Unread button does
        assert len(panel.read().prepared.items) == 11  # a new list: every row made on the worker
    finally:
        runner.shutdown()
