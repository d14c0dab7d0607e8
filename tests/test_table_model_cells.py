"""The row table models keep their cells in Qt items: a paint calls no Python (so it never waits for
the GIL while workers run), and `set_rows` writes and signals only the rows that changed."""

from __future__ import annotations

import sys
import time
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QTableView

from briefing.domain.event_study import WINDOWS, ListingReaction, WindowReturn
from briefing.domain.models import Feed, NewsItem
from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.services.tasks import TaskRunner
from briefing.ui.event_study_table import StudyModel, make_study_view
from briefing.ui.news_model import COMPANIES, FLAG, TITLE, NewsModel
from briefing.ui.news_panel import NewsPanel
from briefing.ui.table_model import RIGHT, SORT_ROLE, Column, RowTableModel

NOW = int(time.time())


def python_entered_while_painting(view) -> list[str]:
    """The functions of the app (and of this file) this thread entered while the view repainted."""
    entered = []

    def hook(frame, event, _arg):
        path = frame.f_code.co_filename.replace("\\", "/")
        if event == "call" and ("/briefing/" in path or path.endswith("test_table_model_cells.py")):
            entered.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(hook)
    try:
        view.viewport().repaint()
    finally:
        sys.setprofile(None)
    return entered


def settle(view, rows: int, columns: int) -> None:
    """Let the view lay out its new rows (the first repaint after a reset draws no cells), with
    cells up to (rows, columns) in sight: the next repaint draws them."""
    QApplication.processEvents()
    rect = view.visualRect(view.model().index(rows, columns))
    assert rect.width() > 0 and view.viewport().rect().contains(rect.center())


def item(i: int, **kw) -> NewsItem:
    values = dict(id=f"n{i}", title=f"Story {i}", published=NOW - i * 60, source="Wire A")
    values.update(kw)
    return NewsItem(**values)


@pytest.fixture
def news(qtbot):
    model = NewsModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    model.set_rows([item(i) for i in range(40)])
    return model, view


def cell(model, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, column).data(role)


def test_painting_the_news_list_calls_no_python(qtbot, store):
    for f in store.feeds.all():  # the bundled default feeds are real sites: never fetched in tests
        store.feeds.update(f.id, enabled=False)
    feed = store.feeds.add(Feed("https://a.example/rss", "Wire A"))
    entries = []
    for i in range(60):
        title, link = f"Item {i}: Baidu expands robotaxi fleet", f"https://a.example/{i}"
        entries.append(FeedEntry(entry_key=entry_key("", link, title, "", NOW - i * 60), title=title, url=link,
                                 published=NOW - i * 60, canonical_url=canonical_url(link),
                                 title_tokens=title_tokens(title)))
    store.news.ingest(feed, entries, now=NOW, retention_days=0)
    runner = TaskRunner()
    try:
        panel = NewsPanel(store, runner)
        qtbot.addWidget(panel)
        panel.resize(900, 700)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.reload()
        qtbot.waitExposed(panel)
        assert panel.model.rowCount() == 60
        settle(panel.view, 5, COMPANIES)
        panel.view.viewport().repaint()  # the first paint may look up which methods Python overrides
        entered = python_entered_while_painting(panel.view)
        assert entered == [], entered  # not the models, nor anything else of the app
    finally:
        runner.shutdown()


def reaction(symbol: str, raw: float | None) -> ListingReaction:
    windows = tuple(WindowReturn(a, b, date(2024, 1, 2), date(2024, 1, 3), raw, 0.01) for a, b in WINDOWS)
    return ListingReaction(symbol, "XHKG", "2800.HK", date(2024, 1, 3), windows)


class SpiedStudyModel(StudyModel):
    """A model with a Python data(): the control that shows the paint below does reach the model."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return super().data(index, role)


@pytest.mark.parametrize("spied", [False, True], ids=["items", "control"])
def test_painting_the_event_study_calls_no_python(qtbot, spied):
    model = SpiedStudyModel() if spied else StudyModel()
    view = make_study_view(model)
    qtbot.addWidget(view)
    view.resize(700, 200)
    view.show()
    qtbot.waitExposed(view)
    model.set_rows([reaction("0700.HK", 0.02), reaction("9888.HK", -0.03), reaction("BIDU", None)])
    settle(view, 2, model.columnCount() - 1)
    view.viewport().repaint()
    entered = python_entered_while_painting(view)
    if spied:
        assert any(f.endswith("test_table_model_cells.py:data") for f in entered)
        return
    assert entered == []
    assert cell(model, 0, 1) == "+2.0%" and cell(model, 0, 1, Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(model, 0, 1, Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert cell(model, 1, 1, SORT_ROLE) == pytest.approx(-0.03) and cell(model, 0, 0, SORT_ROLE) == "0700.HK"


def test_a_changed_row_rewrites_only_its_cells_and_an_unchanged_one_says_nothing(news):
    model, _view = news
    changed, written = [], []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row(), a.column(), b.column())))
    model.itemChanged.connect(lambda i: written.append(i.row()))  # Qt's own, from each dataChanged
    rows = model.rows()
    model.set_rows(rows)
    model.set_rows([item(i) for i in range(40)])  # equal rows, new objects
    assert changed == [] and written == []
    rows[7] = item(7, title="Story 7, updated")
    model.set_rows(rows)
    assert changed == [(7, 7, 0, len(model._columns) - 1)] and set(written) == {7}  # one signal, not one per cell
    assert cell(model, 7, TITLE) == "Story 7, updated" and cell(model, 6, TITLE) == "Story 6"
    assert cell(model, 7, TITLE, Qt.ItemDataRole.TextAlignmentRole) == int(Qt.AlignmentFlag.AlignLeft
                                                                           | Qt.AlignmentFlag.AlignVCenter)
    assert model.row(7).title == "Story 7, updated" and model.resets == 0


def test_the_reader_keeps_the_selected_row_through_insertions_and_removals(news, qtmodeltester):
    model, view = news
    qtmodeltester.check(model)  # and keeps checking the changes below
    view.selectRow(10)
    view.scrollTo(model.index(10, 0))
    chosen = model.row(10).id
    inserted, removed, resets = [], [], []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.modelReset.connect(lambda: resets.append(1))
    newer = [item(-3), item(-2), item(-1)]
    model.set_rows(newer + [item(i) for i in range(40) if i not in (3, 4, 30)])
    assert inserted == [(0, 2)] and removed == [(30, 30), (3, 4)] and resets == [] and model.resets == 0
    assert model.rowCount() == 40 and [model.row(i).id for i in range(4)] == ["n-3", "n-2", "n-1", "n0"]
    assert [cell(model, r, TITLE) for r in range(model.rowCount())] == [r.title for r in model.rows()]
    current = view.currentIndex()
    assert model.row(current.row()).id == chosen and current.row() == 11
    assert [i.row() for i in view.selectionModel().selectedRows()] == [11]


def test_tooltips_show_feed_text_as_text(news):
    model, _view = news
    model.set_rows([item(0, title="<b>Tencent</b> & co", summary="line one\nline two")])
    tip = cell(model, 0, TITLE, Qt.ItemDataRole.ToolTipRole)
    assert tip == ("<p style='white-space:pre-wrap'>&lt;b&gt;Tencent&lt;/b&gt; &amp; co\n\nline one\nline two</p>")
    assert cell(model, 0, FLAG, Qt.ItemDataRole.ToolTipRole) == "<p style='white-space:pre-wrap'>unread</p>"
    assert cell(model, 0, COMPANIES, Qt.ItemDataRole.ToolTipRole) is None


def test_unread_rows_are_bold_and_reading_one_clears_it(news):
    model, _view = news
    assert all(cell(model, 0, c, Qt.ItemDataRole.FontRole).bold() for c in range(5))
    model.set_rows([item(0, is_read=True, starred=True)] + [item(i) for i in range(1, 40)])
    assert cell(model, 0, TITLE, Qt.ItemDataRole.FontRole) is None and cell(model, 0, FLAG) == "★"
    assert cell(model, 1, TITLE, Qt.ItemDataRole.FontRole).bold()


def test_new_company_names_rewrite_the_companies_column(news):
    model, _view = news
    model.set_rows([item(0, companies=("tencent",)), item(1)])
    assert cell(model, 0, COMPANIES) == "tencent"
    changed = []
    model.dataChanged.connect(lambda a, _b, _roles=(): changed.append(a.row()))
    model.company_names.update({"tencent": "Tencent"})
    model.set_rows(model.rows())
    assert cell(model, 0, COMPANIES) == "Tencent" and changed == [0]


def test_refresh_columns_rewrites_cells_that_read_a_setting(qtbot, qtmodeltester):
    ink = {"colour": QColor("green")}
    size = Column("Size", lambda n: f"{n:,}", RIGHT, foreground=lambda n: ink["colour"], sort_key=lambda n: n)
    model = RowTableModel([Column("Name", str), size], key=lambda n: n)
    model.set_rows([1, 1000, 20])
    qtmodeltester.check(model)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Size"
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert cell(model, 1, 1) == "1,000" and cell(model, 1, 1, SORT_ROLE) == 1000
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable and flags & Qt.ItemFlag.ItemIsEnabled
    assert not flags & Qt.ItemFlag.ItemIsEditable and not flags & Qt.ItemFlag.ItemIsDragEnabled
    changed = []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row(), b.column())))
    model.refresh_columns()
    assert changed == []  # nothing different to show
    ink["colour"] = QColor("red")
    model.refresh_columns()
    # one signal spans the changed rows (each signal costs the GUI thread a wait for the GIL)
    assert changed == [(0, 2, 1)] and cell(model, 2, 1, Qt.ItemDataRole.ForegroundRole) == QColor("red")
    inserted, resets = [], []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.modelReset.connect(lambda: resets.append(1))
    model.set_rows([1, 1000, 20, 5])  # appended: inserted, not reset
    assert inserted == [(3, 3)] and resets == [] and cell(model, 3, 1) == "5"
    model.set_rows([5, 1])  # another order: reset
    assert resets == [1] and [cell(model, r, 0) for r in range(2)] == ["5", "1"] and model.rows() == [5, 1]
