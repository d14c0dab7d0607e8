"""The regulation timeline panel: tree model, filters, dates in force, event dialog, news promotion,
the event-study table, files, and the chart following the selection."""

from __future__ import annotations

import json
from datetime import date, datetime, time as dtime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings

from briefing.domain import registry
from briefing.domain import timeline as tl
from briefing.domain.models import Bar, NewsItem, RegulationEvent
from briefing.domain.regulatory_news import classify
from briefing.services.tasks import TaskRunner
from briefing.ui.event_dialog import EventDialog
from briefing.ui.timeline_model import TimelineModel
from briefing.ui.timeline_panel import TimelinePanel


def _bars(symbol_tz: str, first: date, days: int, start: float, step: float) -> list[Bar]:
    out, price, d = [], start, first
    for _ in range(days):
        if d.weekday() < 5:
            ts = int(datetime.combine(d, dtime(), ZoneInfo(symbol_tz)).timestamp())
            out.append(Bar(ts, price, price, price, price))
            price *= 1 + step
        d += timedelta(days=1)
    return out


@pytest.fixture
def panel(qtbot, store):
    """The panel as the window wires it: it hears of committed writes through the store bridge."""
    from briefing.ui.store_signals import StoreSignals

    runner = TaskRunner()
    p = TimelinePanel(store, runner)
    signals = StoreSignals(store, p)
    signals.changed.connect(p.on_store_changed)
    qtbot.addWidget(p)
    p.resize(900, 500)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=10000):
        p.reload()
    yield p
    signals.detach()
    runner.shutdown()


def reload(qtbot, p):
    with qtbot.waitSignal(p.refreshed, timeout=10000):
        p.reload()


def test_tree_model_passes_the_model_tester(qtmodeltester):
    events = list(registry.load_curated_events())
    news = [tl.NewsCandidate(NewsItem("a", "CAC issues draft rules", published=1_760_000_000), classify("CAC issues draft rules")),
            tl.NewsCandidate(NewsItem("b", "SEC delisting list grows"), classify("SEC delisting list grows"))]
    model = TimelineModel()
    model.set_entries(tl.entries(events, news), date(2025, 8, 20))
    qtmodeltester.check(model)
    years = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert years[0].startswith("2026") and years[-1].startswith("Undated")
    y2025 = model.index(1, 0)
    months = [model.index(i, 0, y2025).data() for i in range(model.rowCount(y2025))]
    assert months[0].startswith("December 2025") and all("2025" in m for m in months)
    leaf = model.index_of("cn-ai-content-labeling-measures-2025")
    assert model.index(leaf.row(), 1, leaf.parent()).data() == "in force in 12 days"
    model.set_entries([], None)
    qtmodeltester.check(model)


def test_panel_groups_filters_and_highlights_upcoming_dates(qtbot, panel, store):
    assert len(panel.model.entries()) == 40
    assert not panel.upcoming_label.isVisible()
    soon = date.today() + timedelta(days=12)
    store.events.save(RegulationEvent("user-soon", "Labelling rules take effect", "china_rule",
                                      announced=date.today() - timedelta(days=30), effective=soon,
                                      companies=("tencent",), source_url="https://example.org/soon", origin="user"))
    reload(qtbot, panel)
    assert panel.upcoming_label.isVisible()
    assert "Labelling rules take effect — in force in 12 days" in panel.upcoming_label.text()
    flt = tl.TimelineFilter(category="us_action", company="sensetime")
    panel.filters.set_value(flt)
    keys = [r.key for r in panel.model.entries()]
    assert keys == ["us-bis-advanced-computing-update-2023", "us-bis-advanced-computing-controls-2022",
                    "us-ns-cmic-sensetime-2021", "us-entity-list-sensetime-2019"]
    panel.filters.set_value(tl.TimelineFilter(text="网络安全法"))
    assert {r.key for r in panel.model.entries()} == {"cn-cybersecurity-law-2017"}
    panel.filters.set_value(tl.TimelineFilter(since=date(2025, 7, 1), until=date(2025, 7, 31)))
    assert len(panel.model.entries()) == 3  # 14, 26 and 31 July


def test_first_load_selects_the_latest_event_with_prices_and_shows_its_study(qtbot, store):
    """Prices around the 2023 Ernie 4.0 launch only: that event is chosen and studied."""
    first = date(2023, 9, 1)
    store.prices.upsert_bars("9888.HK", "1d", _bars("Asia/Hong_Kong", first, 90, 130.0, 0.01), "test")
    store.prices.upsert_bars("2800.HK", "1d", _bars("Asia/Hong_Kong", first, 90, 18.0, 0.002), "test")
    runner = TaskRunner()
    p = TimelinePanel(store, runner)
    qtbot.addWidget(p)
    p.show()
    try:
        with qtbot.waitSignal(p.study_shown, timeout=15000):
            p.reload()
        assert p.current_key == "baidu-ernie-4-launch-2023"  # 2023-10-17 ahead of the later BIS update
        rows = {r.symbol: r for r in p.study_model.rows()}
        assert set(rows) == {"9888.HK", "BIDU"}
        hk = rows["9888.HK"].window(-1, 1)
        assert hk.raw == pytest.approx(1.01 ** 2 - 1) and hk.abnormal == pytest.approx(1.01 ** 2 - 1.002 ** 2)
        assert p.study_model.index(0, 1).data() == "+2.0%"
        assert p.study_model.index(1, 1).data() == "no data"  # no BIDU bars: not 0%
        assert p.study_view.isVisible() and "day 0" in p.study_caption.text()
        assert not p.user_chose
    finally:
        runner.shutdown()


def test_dialog_adds_edits_and_refuses_bad_input(qtbot, panel, store):
    dialog = EventDialog(store.instruments.companies(), None, parent=panel)
    qtbot.addWidget(dialog)
    dialog.title_en.setText("My rule")
    dialog.announced.setText("2026-02-30")
    dialog.accept()
    assert dialog.result_event is None and "no such day" in dialog.error.text()
    assert "missing source URL" in dialog.error.text()
    dialog.announced.setText("2026-02-03")
    dialog.source.setText("https://example.org/mine")
    dialog.company_boxes["alibaba"].setChecked(True)
    dialog.accept()
    assert dialog.result_event is not None and dialog.result_event.origin == "user"
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        panel.save_from_dialog(dialog)
    qtbot.waitUntil(lambda: panel.current_key == "user-2026-02-03-my-rule")
    saved = store.events.get("user-2026-02-03-my-rule")
    assert saved.companies == ("alibaba",) and saved.origin == "user"

    edit = EventDialog(store.instruments.companies(), saved, editing=True, parent=panel)
    qtbot.addWidget(edit)
    assert edit.id_edit.isReadOnly()
    edit.summary.setPlainText("Now with a summary.")
    edit.accept()
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        panel.save_from_dialog(edit)
    assert store.events.get(saved.id).summary == "Now with a summary."
    assert panel.select_event(saved.id)
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        panel.delete_selected(confirm=False)
    assert store.events.get(saved.id) is None


def test_flagged_news_is_offered_promoted_and_dismissed(qtbot, panel, store):
    store.news.upsert([
        NewsItem("n1", "Cyberspace Administration publishes draft measures for AI agents", url="https://e.org/1",
                 published=int(datetime(2026, 3, 2, 8).timestamp()), companies=("baidu",)),
        NewsItem("n2", "US considers adding Chinese AI firms to the Entity List", url="https://e.org/2",
                 published=int(datetime(2026, 3, 3, 8).timestamp())),
        NewsItem("n3", "Tencent results beat estimates", published=int(datetime(2026, 3, 4, 8).timestamp())),
    ])
    qtbot.waitUntil(lambda: {r.key for r in panel.model.entries() if r.is_news} == {"news:n1", "news:n2"},
                    timeout=10000)
    panel.filters.set_value(tl.TimelineFilter(category=tl.NEWS_CATEGORY))
    assert [r.category_label for r in panel.model.entries()] == ["From the news", "From the news"]
    assert panel.select_key("news:n1")
    assert panel.promote_action.isEnabled() and not panel.edit_action.isEnabled()
    assert "Flagged as regulatory" in panel.detail.toPlainText()

    draft = panel.promotion_draft(panel.selected_entry().candidate)
    dialog = EventDialog(store.instruments.companies(), draft, parent=panel)
    qtbot.addWidget(dialog)
    assert dialog.title_en.text() == draft.title_en and dialog.source.text() == "https://e.org/1"
    assert dialog.company_boxes["baidu"].isChecked() and "CAC" in dialog.body.currentText()
    dialog.accept()
    panel.save_from_dialog(dialog, news_id="n1")
    qtbot.waitUntil(lambda: "n1" in store.events.news_decisions(), timeout=10000)
    assert store.events.get(draft.id).origin == "news"

    panel.filters.set_value(tl.TimelineFilter(category=tl.NEWS_CATEGORY))
    qtbot.waitUntil(lambda: [r.key for r in panel.model.entries()] == ["news:n2"], timeout=10000)
    assert panel.select_key("news:n2")
    panel.dismiss_selected()
    qtbot.waitUntil(lambda: panel.model.entries() == [], timeout=10000)
    assert store.events.news_decisions()["n2"].state == "dismissed"


def test_a_malformed_bundled_file_is_reported_in_the_panel(qtbot, store):
    store.settings.set("events_file_problems", ["row 7 (cn-x): bad announced date '2021-02-30' (no such day)"])
    runner = TaskRunner()
    p = TimelinePanel(store, runner)
    qtbot.addWidget(p)
    p.show()
    try:
        with qtbot.waitSignal(p.loaded, timeout=10000):
            p.reload()
        assert p.problems_label.isVisible()
        assert "row 7 (cn-x): bad announced date" in p.problems_label.text()
    finally:
        runner.shutdown()


def test_import_and_export_from_the_panel(qtbot, panel, store, tmp_path):
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({"schema": 1, "events": [
        {"title_en": "Imported rule", "announced": "2026-05-05", "category": "china_rule",
         "companies": ["tencent"], "source_url": "https://example.org/i"},
        {"title_en": "Bad", "announced": "someday", "category": "china_rule", "source_url": "https://example.org/b"},
    ]}), encoding="utf-8")
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        panel.import_file(str(source))
    qtbot.waitUntil(lambda: panel.status.text().startswith("Imported 1"), timeout=10000)
    assert "skipped 1 row(s): row 2" in panel.status.text()
    assert store.events.get("user-2026-05-05-imported-rule") is not None
    panel.filters.set_value(tl.TimelineFilter(company="tencent", since=date(2026, 1, 1)))
    out = tmp_path / "out.csv"
    panel.export_file(str(out))
    qtbot.waitUntil(lambda: out.exists() and panel.status.text().startswith("Exported"), timeout=10000)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,announced") and any("user-2026-05-05-imported-rule" in l for l in lines)
    assert len(lines) == 1 + len(panel.model.entries())


def test_choosing_an_event_marks_and_scrolls_the_chart(qtbot, store, tmp_path):
    from briefing.ui.main_window import MainWindow

    start = date.today() - timedelta(days=1400)
    store.prices.upsert_bars("BIDU", "1d", _bars("America/New_York", start, 1400, 100.0, 0.0005), "test")
    w = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    try:
        with qtbot.waitSignal(w.all_loaded, timeout=20000):
            w.start()
        w.chart.set_symbols(["BIDU"])
        qtbot.waitUntil(lambda: bool(w.chart._data and w.chart._data.series
                                     and w.chart._data.series[0].listing.symbol == "BIDU"), timeout=10000)
        target = store.events.get("baidu-ernie-bot-unveiled-2023")  # older than the year the chart reads
        x = datetime.combine(target.key_date, dtime(12), ZoneInfo("UTC")).timestamp()
        assert w.chart._data.series[0].ts[0] > x
        assert w.timeline.select_event(target.id)  # the chart reads further back, then scrolls
        qtbot.waitUntil(lambda: w.chart._data.series[0].ts[0] < x, timeout=10000)
        qtbot.waitUntil(lambda: w.chart.plot.getViewBox().viewRange()[0][0] < x
                        < w.chart.plot.getViewBox().viewRange()[0][1], timeout=10000)
        (lo, hi) = w.chart.plot.getViewBox().viewRange()[0]
        assert hi - lo < 200 * 86400  # zoomed around the event, not the whole history
        assert w.chart._highlight == target.id and w.chart.marker_count() >= 1
    finally:
        w.runner.shutdown()


def test_new_bars_that_change_nothing_shown_leave_the_tree_alone(qtbot, panel, store):
    """The poller writes bars all day; until an event is picked each write re-reads the timeline,
    and rebuilding an unchanged tree was a GUI-thread stall."""
    from dataclasses import replace

    from briefing.store import changes as topics
    from briefing.store.changes import Change

    signals = []
    for signal in (panel.model.modelReset, panel.model.dataChanged, panel.model.rowsInserted,
                   panel.model.rowsRemoved, panel.model.layoutChanged):
        signal.connect(lambda *_: signals.append(1))
    for _ in range(3):
        with qtbot.waitSignal(panel.refreshed, timeout=5000):
            panel.on_store_changed(frozenset({Change(topics.BARS, "NOPE.HK")}))
    assert signals == []
    store.events.save(replace(store.events.all()[0], title_en="Renamed for the test"))
    qtbot.waitUntil(lambda: bool(signals), timeout=5000)  # a real change still shows


def test_the_first_load_shows_the_rows_its_read_made(qtbot, store):
    """The read (a worker's) makes the rows; showing it puts those very items in the tree."""
    runner = TaskRunner()
    p = TimelinePanel(store, runner)
    qtbot.addWidget(p)
    try:
        data = p.read()
        made = p._rows_ready[1]
        assert p._rows_ready[0] is data and made
        p.show_data(data)
        shown = [e.key for e in data.entries if p.model.index_of(e.key).isValid()]
        assert shown and all(made[k][1][0].index() == p.model.index_of(k) for k in shown)
        assert p._rows_ready is None  # used once
    finally:
        runner.shutdown()
