"""The news panel over a real cache: the model (qtmodeltester, in-place updates), filters, unread
counts, single-key shortcuts, the safe reader, the feed manager, alerts and the refresh wiring."""

from __future__ import annotations

import time

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QColor, QImage

from briefing.domain.alerts import AlertRule
from briefing.domain.models import Feed
from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.domain.tagging import default_tagger
from briefing.services.news_alerts import save_rules
from briefing.services.tasks import TaskRunner
from briefing.ui.news_panel import NewsPanel
from briefing.ui.store_signals import StoreSignals
from feed_helpers import feed_server, rss, server  # noqa: F401

NOW = int(time.time())
HOSTILE = ('<p onclick="steal()">Body <b>bold</b> <a href="javascript:alert(1)">js link</a> '
           '<a href="https://example.com/more">more</a></p><script>alert("x")</script>'
           '<img src="https://tracker.example/pixel.gif" width="1"><iframe src="https://evil.example"></iframe>')


def entry(title, link, published, summary="", html="") -> FeedEntry:
    return FeedEntry(entry_key=entry_key("", link, title, summary, published), title=title, url=link, summary=summary,
                     content_html=html, published=published, canonical_url=canonical_url(link),
                     title_tokens=title_tokens(title), companies=default_tagger().tag(title, summary))


@pytest.fixture
def news_store(store):
    for f in store.feeds.all():  # the bundled default feeds are real sites: never fetched in tests
        store.feeds.update(f.id, enabled=False)
    a = store.feeds.add(Feed("https://a.example/rss", "Wire A"))
    b = store.feeds.add(Feed("https://b.example/rss", "财经 B"))
    store.news.ingest(a, [
        entry("Tencent adds Hunyuan model to WeChat search", "https://a.example/1", NOW - 100),
        entry("Baidu unveils Ernie 5 at its Wuhan developer event", "https://a.example/2", NOW - 200, html=HOSTILE),
        entry("SenseTime narrows loss as generative AI grows", "https://a.example/3", NOW - 300),
    ], now=NOW)
    store.news.ingest(b, [
        entry("腾讯混元大模型接入微信搜一搜", "https://b.example/1", NOW - 150, summary="腾讯今日宣布"),
        entry("阿里云通义千问开源新一代模型", "https://b.example/2", NOW - 250),
        entry("Baidu unveils Ernie 5 at its Wuhan developer event - Caixin", "https://b.example/3", NOW - 210),
    ], now=NOW)
    store.feed_ids = (a, b)
    return store


@pytest.fixture
def panel(qtbot, news_store):
    runner = TaskRunner()
    p = NewsPanel(news_store, runner)
    signals = StoreSignals(news_store)
    signals.changed.connect(p.on_store_changed)
    qtbot.addWidget(p)
    p.resize(900, 700)
    p.show()
    opened = []
    p.open_url = opened.append
    p.opened = opened
    with qtbot.waitSignal(p.loaded, timeout=10000):
        p.reload()
    yield p
    signals.detach()
    runner.shutdown()


def titles(p) -> list[str]:
    return [r.title for r in p.model.rows()]


def wait_rows(qtbot, p, predicate, timeout=5000):
    qtbot.waitUntil(lambda: predicate(p.model.rows()), timeout=timeout)


def test_model_passes_qtmodeltester_and_lists_newest_first(panel, qtmodeltester):
    qtmodeltester.check(panel.model)
    assert len(titles(panel)) == 5  # the Caixin copy of the Baidu story is folded into one item
    assert titles(panel)[0] == "Tencent adds Hunyuan model to WeChat search"
    baidu = next(r for r in panel.model.rows() if r.title.startswith("Baidu"))
    assert baidu.source_count == 2 and panel.model.data(panel.model.index(panel.model.row_of(baidu.id), 4)) \
        == "Wire A +1"


def test_new_items_are_inserted_in_place(qtbot, panel, news_store, qtmodeltester):
    qtmodeltester.check(panel.model)
    panel.view.selectRow(2)
    selected = panel.current_item().id
    inserted, resets = [], []
    panel.model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    panel.model.modelReset.connect(lambda: resets.append(1))
    news_store.news.ingest(news_store.feed_ids[0], [
        entry("Alibaba lifts AI spending plan again", "https://a.example/9", NOW)], now=NOW)
    wait_rows(qtbot, panel, lambda rows: len(rows) == 6)
    assert inserted == [(0, 0)] and resets == [] and panel.model.resets == 0
    assert panel.current_item().id == selected  # the reader keeps its place
    qtmodeltester.check(panel.model)


def test_filters_company_watchlist_feed_unread_starred_and_search(qtbot, panel, news_store):
    index = panel.company_box.findData("tencent")
    assert panel.company_box.itemText(index) == "Tencent (2)"  # unread counts per company
    panel.company_box.setCurrentIndex(index)
    panel.company_box.activated.emit(index)
    wait_rows(qtbot, panel, lambda rows: len(rows) == 2 and all("tencent" in r.companies for r in rows))
    panel.company_box.setCurrentIndex(0)
    news_store.watchlists.create("SenseTime only")
    news_store.watchlists.add("SenseTime only", ["0020.HK"])
    wl = news_store.watchlists.get("SenseTime only").id
    qtbot.waitUntil(lambda: panel.watchlist_box.findData(wl) >= 0, timeout=5000)
    panel.watchlist_box.setCurrentIndex(panel.watchlist_box.findData(wl))
    panel.watchlist_box.activated.emit(panel.watchlist_box.currentIndex())
    wait_rows(qtbot, panel, lambda rows: [r.title for r in rows] == ["SenseTime narrows loss as generative AI grows"])
    panel.watchlist_box.setCurrentIndex(0)
    b = news_store.feed_ids[1]
    assert panel.feed_box.itemText(panel.feed_box.findData(b)) == "财经 B (3)"
    panel.feed_box.setCurrentIndex(panel.feed_box.findData(b))
    panel.feed_box.activated.emit(panel.feed_box.currentIndex())
    wait_rows(qtbot, panel, lambda rows: len(rows) == 3)  # its two own items and the shared Baidu story
    panel.feed_box.setCurrentIndex(0)
    panel.search.setText("腾讯")
    panel.search.returnPressed.emit()
    wait_rows(qtbot, panel, lambda rows: [r.title for r in rows] == ["腾讯混元大模型接入微信搜一搜"])
    panel.search.clear()
    wait_rows(qtbot, panel, lambda rows: len(rows) == 5)
    panel.starred_action.trigger()
    wait_rows(qtbot, panel, lambda rows: rows == [])
    assert panel.empty_label.isVisible() and "No items match" in panel.empty_label.text()
    panel.starred_action.trigger()
    panel.unread_action.trigger()
    wait_rows(qtbot, panel, lambda rows: len(rows) == 5)


def test_single_key_shortcuts(qtbot, panel):
    panel.view.setFocus()
    first = panel.current_item()
    assert first is not None and not first.is_read  # showing the newest item does not mark it read
    qtbot.keyClick(panel.view, "j")
    second = panel.current_item()
    assert second.id != first.id
    wait_rows(qtbot, panel, lambda rows: next(r for r in rows if r.id == second.id).is_read)  # read on selection
    qtbot.keyClick(panel.view, "k")
    assert panel.current_item().id == first.id
    qtbot.keyClick(panel.view, "s")
    wait_rows(qtbot, panel, lambda rows: rows[0].starred)
    qtbot.keyClick(panel.view, "r")
    wait_rows(qtbot, panel, lambda rows: rows[0].is_read != first.is_read or rows[0].is_read)
    qtbot.keyClick(panel.view, "o")
    assert panel.opened == ["https://a.example/1"]
    qtbot.keyClick(panel.search, "j")  # typing in the search box types
    assert panel.search.text() == "j"


def test_reader_shows_sanitised_html_and_loads_nothing(qtbot, panel):
    row = next(i for i, r in enumerate(panel.model.rows()) if r.title.startswith("Baidu"))
    panel.view.selectRow(row)
    qtbot.waitUntil(lambda: panel.current_detail is not None and panel.current_detail.item.title.startswith("Baidu"))
    shown = panel.reader.toHtml()
    assert "bold" in shown and "more" in shown
    for bad in ("script", "javascript", "onclick", "iframe", "evil.example", "tracker.example/pixel"):
        assert bad not in shown
    assert "1 image not loaded" in panel.reader.toPlainText()
    assert panel.reader.refused == []  # the pane asked the network for nothing
    assert "Wire A" in shown and "财经 B" in shown  # both sources listed
    panel.reader.anchorClicked.emit(QUrl("javascript:alert(1)"))
    panel.reader.anchorClicked.emit(QUrl("https://example.com/more"))
    assert panel.opened == ["https://example.com/more"]


def test_reader_links_take_the_new_link_colour_on_a_theme_switch(qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from briefing.ui.news_reader import SafeReader

    reader = SafeReader()
    qtbot.addWidget(reader)
    reader.show()
    reader.setHtml("<p><a href='https://example.com/a'>Open in browser</a></p>")
    app = QApplication.instance()
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Link, QColor("#13579b"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: "#13579b" in reader.toHtml(), timeout=2000)
        assert "Open in browser" in reader.toPlainText()
        reader.clear()
        app.setPalette(before)
        qtbot.wait(50)
        assert reader.toPlainText() == ""  # a cleared pane stays empty
    finally:
        app.setPalette(before)


def test_images_load_only_when_asked(qtbot, panel, server, news_store):
    png = QImage(4, 4, QImage.Format.Format_RGB32)
    png.fill(QColor("red"))
    from PySide6.QtCore import QBuffer, QByteArray

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QBuffer.OpenModeFlag.WriteOnly)
    png.save(buf, "PNG")
    server.expect_request("/pic.png").respond_with_data(bytes(data), content_type="image/png")
    url = server.url_for("/pic.png")
    news_store.news.ingest(news_store.feed_ids[0], [entry("Picture story about Tencent games", "https://a.example/p",
                                                          NOW + 5, html=f'<p>pic</p><img src="{url}" alt="x">')],
                           now=NOW + 5)
    wait_rows(qtbot, panel, lambda rows: rows[0].title.startswith("Picture"))
    panel.view.selectRow(0)
    qtbot.waitUntil(lambda: panel.current_detail is not None and panel.current_detail.item.title.startswith("Pic"))
    assert len(server.log) == 0
    panel.reader.anchorClicked.emit(QUrl("briefing:load-images"))
    qtbot.waitUntil(lambda: url in panel.reader._images, timeout=10000)
    assert len(server.log) == 1 and "<img" in panel.reader.toHtml()


def test_feed_manager_add_edit_remove_import_export(qtbot, news_store, qtmodeltester, shared_data, tmp_path):
    from briefing.ui.feed_manager import FeedManager

    runner = TaskRunner()
    signals = StoreSignals(news_store)
    dialog = FeedManager(news_store, runner, signals)
    qtbot.addWidget(dialog)
    n = len(news_store.feeds.all())
    qtbot.waitUntil(lambda: dialog.model.rowCount() == n)
    qtmodeltester.check(dialog.model)
    a = news_store.feed_ids[0]
    row = next(s for s in dialog.model.rows() if s.feed.id == a)
    assert (row.items, row.unread) == (3, 3)
    news_store.feeds.record_fetch(a, at=NOW, error="HTTP 404 Not Found: the feed is not at this address")
    qtbot.waitUntil(lambda: any(s.state == "error" for s in dialog.model.rows()))
    text = dialog.model.data(dialog.model.index(next(i for i, s in enumerate(dialog.model.rows())
                                                     if s.feed.id == a), 4))
    assert text == "HTTP 404 Not Found: the feed is not at this address"
    dialog.add_feed({"url": "https://new.example/feed", "title": "New", "folder": "Mine", "refresh_minutes": 15})
    qtbot.waitUntil(lambda: dialog.model.rowCount() == n + 1)
    new_id = news_store.feeds.find("https://new.example/feed").id
    dialog.edit_feed(new_id, {"title": "Renamed", "enabled": False})
    qtbot.waitUntil(lambda: news_store.feeds.get(new_id).title == "Renamed")
    dialog.remove_feeds([new_id])
    qtbot.waitUntil(lambda: dialog.model.rowCount() == n)
    dialog.import_file(str(shared_data / "opml" / "awesome-rss-feeds__recommended_Business_and_Economy.opml"))
    qtbot.waitUntil(lambda: "Imported 16 new feed(s)" in dialog.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == n + 16)
    out = tmp_path / "out.opml"
    dialog.export_file(str(out))
    qtbot.waitUntil(lambda: out.exists() and "Exported" in dialog.message.text())
    from briefing.sources.opml import read_opml

    assert len(read_opml(out.read_bytes()).feeds) == n + 16
    signals.detach()
    runner.shutdown()


@pytest.fixture
def window(qtbot, news_store, tmp_path):
    """A main window torn down here, while the cache is still open (not by qtbot, which runs first)."""
    from briefing.ui.main_window import MainWindow

    w = MainWindow(news_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=20000):
        w.start()
    yield w
    w.signals.detach()  # then let what the store already announced arrive while the store is open
    qtbot.waitUntil(lambda: not w.signals._timer.isActive() and not w.signals._pending)
    w.news_service.stop()
    w.close()
    w.runner.shutdown()
    w.deleteLater()  # panels, their timers and the runner go with it, before the cache closes
    qtbot.waitUntil(lambda: not shiboken6.isValid(w))


def test_refresh_now_and_alerts_for_new_items_only(qtbot, window, server, news_store):
    server.expect_request("/wire").respond_with_data(rss([
        {"title": "Tencent raises its buyback budget for the year", "link": "https://w.example/t", "guid": "t",
         "date": NOW - 60},
        {"title": "Weather: sunny in Shanghai all week long", "link": "https://w.example/w", "guid": "w",
         "date": NOW - 60}]), content_type="application/rss+xml")
    fid = news_store.feeds.add(Feed(server.url_for("/wire"), "Wire"))
    save_rules(news_store, [AlertRule("company", "tencent"), AlertRule("keyword", "buyback budget")])
    service = window.news_service
    service.refresher()._politeness = 0
    with qtbot.waitSignal(service.refreshed, timeout=15000) as blocker:
        assert service.refresh_now([fid])
    assert len(blocker.args[0].new_ids) == 2
    title, body = service.notifier.last
    assert title.startswith("1 new item about Tencent") and "buyback budget" in body
    wait_rows(qtbot, window.news, lambda rows: any(r.title.startswith("Tencent raises") for r in rows))
    service.notifier.last = None
    with qtbot.waitSignal(service.refreshed, timeout=15000):
        service.refresh_now([fid])
    assert service.notifier.last is None  # nothing new: no second notification


def test_refresh_needs_network_and_a_real_profile(qtbot, window, news_store):
    window.news_service.offline = True
    assert not window.news_service.refresh_now()
    assert "offline" in window.statusBar().currentMessage()
    assert not window.news_service.start_schedule()
    window.news_service.offline = False
    news_store.settings.set("demo", True)
    assert not window.news_service.refresh_now()
    assert "demo profile" in window.statusBar().currentMessage()


def test_scheduled_job_fetches_due_feeds(qtbot, window, server, news_store):
    from briefing.services.scheduler import Scheduler

    server.expect_request("/due").respond_with_data(rss([{"title": "SenseTime wins a new smart city contract",
                                                          "link": "https://d.example/1", "date": NOW}]))
    news_store.feeds.add(Feed(server.url_for("/due"), "Due"))
    clock = {"t": 1000.0}
    scheduler = Scheduler(window.runner, clock=lambda: clock["t"])
    window.news_service.refresher()._politeness = 0
    assert window.news_service.start_schedule(scheduler)
    with qtbot.waitSignal(window.news_service.refreshed, timeout=15000) as blocker:
        scheduler.tick()
    assert len(blocker.args[0].new_ids) == 1


def test_dialogs_open_from_the_panel(qtbot, window):
    window.news.feeds_action.trigger()
    assert window.news_service.feed_manager is not None and window.news_service.feed_manager.isVisible()
    window.news.alerts_action.trigger()
    dialog = window.news_service.alerts_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.add_rule(AlertRule("keyword", "export controls"))
    qtbot.waitUntil(lambda: dialog.list_model.stringList() == ["Keyword: export controls"])
    window.news_service.feed_manager.close()
    dialog.close()


def test_panel_picture_with_chinese_and_english_items(qtbot, panel, tmp_path):
    panel.view.selectRow(1)
    qtbot.waitUntil(lambda: panel.current_detail is not None and panel.current_detail.item.id == panel.current_item().id)
    out = tmp_path / "news-panel.png"
    import os
    if os.environ.get("BRIEFING_KEEP_PICTURE"):
        out = __import__("pathlib").Path(os.environ["BRIEFING_KEEP_PICTURE"])
    assert panel.grab().save(str(out), "PNG")
    img = QImage(str(out))
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert img.width() == 900 and len(colours) > 20
