"""News panel: one list of items from every feed, newest first, tagged by company, with filters
(company, watchlist, feed, unread, starred, full-text), unread counts, single-key shortcuts
(j/k next/previous, r read, s star, o open) and a reader pane that loads nothing by itself."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QStyle, QTableView, QToolBar,
    QVBoxLayout,
)

from briefing.domain.models import Feed, NewsItem, Watchlist
from briefing.store import changes as topics
from briefing.store.news import NewsFilter
from briefing.ui.news_model import FLAG, TITLE, WHEN, NewsModel
from briefing.domain.html_text import image_urls
from briefing.ui.news_reader import SafeReader, reader_html
from briefing.ui.panel import Panel
from briefing.ui.table_model import Prepared

LIST_LIMIT = 500


def open_in_browser(url: str) -> bool:
    """The system browser, never an embedded one (tests replace this)."""
    return QDesktopServices.openUrl(QUrl(url))


@dataclass(frozen=True)
class NewsView:
    """What one read of the store gives the panel."""

    names: dict[str, str]
    items: list[NewsItem]
    unread: dict
    feeds: list[Feed]
    watchlists: list[Watchlist]
    prepared: Prepared | None = None  # the list's cells and new rows' items, made with the read
    filter: NewsFilter | None = None  # what was read


class _Keys(QObject):
    """Single-key shortcuts on the list and the reader (not while typing in the search box)."""

    def __init__(self, panel: NewsPanel) -> None:
        super().__init__(panel)
        self._panel = panel
        self._actions = {Qt.Key.Key_J: lambda: panel.step(1), Qt.Key.Key_K: lambda: panel.step(-1),
                         Qt.Key.Key_R: panel.toggle_read, Qt.Key.Key_S: panel.toggle_star,
                         Qt.Key.Key_O: panel.open_current}

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        blocking = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | \
            Qt.KeyboardModifier.MetaModifier
        if event.type() == QEvent.Type.KeyPress and not (event.modifiers() & blocking):
            action = self._actions.get(Qt.Key(event.key()))
            if action is not None:
                action()
                return True
        return False


class NewsPanel(Panel):
    topics = (topics.NEWS, topics.INSTRUMENTS, topics.FEEDS, topics.WATCHLISTS)
    change_reload_ms = 1500  # news arrives feed by feed during a refresh (Panel)
    refresh_requested = Signal()
    manage_feeds_requested = Signal()
    alerts_requested = Signal()
    open_url = staticmethod(open_in_browser)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.model = NewsModel(self)
        self.filter = NewsFilter(limit=LIST_LIMIT)
        self.names: dict[str, str] = {}
        self.current_detail = None
        self.allow_network = True  # off when offline: "Load images" then says why it cannot
        self._detail_token = 0
        self._auto_selecting = False
        self._listed: NewsFilter | None = None  # the filter of the rows shown (keep_ids aside)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search news (English or 中文)…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        self.search.setAccessibleName("Search news")
        self.search.returnPressed.connect(self._on_filters)
        self.search.textChanged.connect(lambda t: self._on_filters() if not t else None)
        # a tool bar: on a narrow dock the actions that do not fit collapse into its » menu
        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.refresh_action = self._action("Refresh", "Fetch every feed now (conditional requests: unchanged "
                                                      "feeds cost nothing)", self.refresh_requested.emit)
        self.mark_all_action = self._action("Mark all read", "Mark every item the filters show as read",
                                            self.mark_all_read)
        self.toolbar.addSeparator()
        self.unread_action = self._action("Unread", "Show unread items only", self._on_filters, checkable=True)
        self.starred_action = self._action("Starred", "Show starred items only", self._on_filters, checkable=True)
        self.toolbar.addSeparator()
        self.feeds_action = self._action("Feeds…", "Add, edit or remove feeds; import or export OPML; see each "
                                                   "feed's state", self.manage_feeds_requested.emit)
        self.alerts_action = self._action("Alerts…", "Notify me when a new item mentions a company or a keyword",
                                          self.alerts_requested.emit)
        self.company_box = self._combo("Company", self._on_filters)
        self.watchlist_box = self._combo("Watchlist", self._on_filters)
        self.feed_box = self._combo("Feed", self._on_filters)
        self.status = QLabel("", self)
        self.status.setObjectName("newsStatus")
        self.empty_label = QLabel("", self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(False)

        self.view = QTableView(self)
        self.view.setObjectName("newsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setStretchLastSection(True)
        self._size_fixed_columns()
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.doubleClicked.connect(lambda _i: self.open_current())
        self.reader = SafeReader(self)
        self.reader.setObjectName("newsReader")
        self.reader.setPlaceholderText("Select an item to read it. Keys: j/k next/previous, r read, s star, "
                                       "o open in browser.")
        self.reader.link_activated.connect(lambda url: self.open_url(url))
        self.reader.images_requested.connect(self.load_images)
        self._keys = _Keys(self)
        self.view.installEventFilter(self._keys)
        self.reader.installEventFilter(self._keys)

        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.status)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for box in (self.company_box, self.watchlist_box, self.feed_box):
            filters.addWidget(box, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.view)
        split.addWidget(self.reader)
        split.setSizes([260, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.empty_label)
        layout.addWidget(split, 1)

    def _action(self, text: str, tip: str, slot, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(action)
        return action

    def _combo(self, name: str, slot) -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(name)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(6)
        box.setToolTip(f"Show only items about one {name.lower()}")
        box.activated.connect(lambda _i: slot())
        return box

    # ----- reading (worker thread) ------------------------------------------------------------------
    def read(self) -> NewsView:
        flt = self.filter
        names = {c.id: c.name_en for c in self.store.instruments.companies()}
        items = self.store.news.items(flt)
        # a new filter replaces the list: every row's items made here, not on the GUI thread
        prepared = self.model.prepare_rows(items, names, every=replace(flt, keep_ids=()) != self._listed)
        return NewsView(names, items, self.store.news.unread_counts(), self.store.feeds.all(),
                        self.store.watchlists.all(), prepared, flt)

    # ----- showing (GUI thread) ----------------------------------------------------------------------
    def show_data(self, data: NewsView) -> None:
        self.names = data.names
        self.model.company_names.clear()
        self.model.company_names.update(data.names)
        self.model.set_rows(data.items, data.prepared)
        self._listed = replace(data.filter, keep_ids=()) if data.filter is not None else None
        self._fill(self.company_box, "All companies", [
            (f"{name} ({data.unread['companies'].get(cid, 0)})", cid) for cid, name in sorted(
                data.names.items(), key=lambda kv: kv[1])])
        self._fill(self.watchlist_box, "Any watchlist", [(w.name, w.id) for w in data.watchlists])
        self._fill(self.feed_box, "All feeds", [
            (f"{f.title or f.url} ({data.unread['feeds'].get(f.id, 0)})", f.id) for f in data.feeds])
        problems = sum(1 for f in data.feeds if f.enabled and f.last_error)
        status = f"{data.unread['total']} unread"
        if problems:
            status += f" · {problems} feed{'s' if problems != 1 else ''} failing"
        self.status.setText(status)
        self.status.setToolTip("Open Feeds… to see what went wrong" if problems else "")
        self._show_empty(data)
        # no per-row sizing here: the flag and date columns got fixed widths (_size_fixed_columns)
        self.view.setColumnWidth(TITLE, max(360, min(self.view.columnWidth(TITLE), 560)))
        if data.items and not self.view.currentIndex().isValid():
            self._auto_selecting = True  # showing the newest item is not reading it: it stays unread
            self.view.selectRow(0)
            self._auto_selecting = False
        elif not data.items:
            self.reader.clear()
            self.current_detail = None

    def _size_fixed_columns(self) -> None:
        """The flag and date columns from font metrics, once (and again when the font changes).

        Their text has a fixed shape ("★●", "12-31 23:59"), so measuring it beats resizing to
        contents, which asks the model for up to 1,000 rows on the GUI thread at every reload.
        """
        bold = QFont(self.view.font())
        bold.setBold(True)  # unread rows are bold
        metrics = [self.view.fontMetrics(), QFontMetrics(bold)]
        margin = 2 * (self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1)
        header = self.view.horizontalHeader()
        dates = [f"{d}{d}-{d}{d} {d}{d}:{d}{d}" for d in "0123456789"]  # as news_model._when writes them
        for column, texts in ((FLAG, ["★●"]), (WHEN, [*dates, "undated"])):
            text = max(fm.horizontalAdvance(t) for fm in metrics for t in texts)
            width = max(text + margin + 4, header.sectionSizeHint(column), header.minimumSectionSize())
            self.view.setColumnWidth(column, width)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and hasattr(self, "view"):
            self._size_fixed_columns()

    def _show_empty(self, data: NewsView) -> None:
        if data.items:
            self.empty_label.setVisible(False)
            return
        if self.filter == NewsFilter(limit=LIST_LIMIT):
            enabled = [f for f in data.feeds if f.enabled]
            text = ("No news yet. Press Refresh to fetch the feeds now, or add feeds with Feeds…"
                    if enabled else "No feeds are enabled. Add or enable feeds with Feeds…")
        else:
            text = "No items match these filters."
        self.empty_label.setText(text)
        self.empty_label.setVisible(True)

    @staticmethod
    def _fill(box: QComboBox, everything: str, options: list[tuple[str, object]]) -> None:
        wanted = [(everything, None), *options]
        have = [(box.itemText(i), box.itemData(i)) for i in range(box.count())]
        if have == wanted:
            return
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        for text, data in wanted:
            box.addItem(text, data)
        index = box.findData(current) if current is not None else 0
        box.setCurrentIndex(max(0, index))
        box.blockSignals(False)

    # ----- filters -----------------------------------------------------------------------------------
    def _on_filters(self) -> None:
        company = self.company_box.currentData()
        self.filter = NewsFilter(
            companies=(company,) if company else (), watchlist_id=self.watchlist_box.currentData(),
            feed_id=self.feed_box.currentData(), unread_only=self.unread_action.isChecked(),
            starred_only=self.starred_action.isChecked(), text=self.search.text().strip(), limit=LIST_LIMIT,
            keep_ids=self.filter.keep_ids)
        self.reload()

    def set_filter(self, **values) -> None:
        """Programmatic filtering (tests, other panels): NewsFilter fields."""
        self.filter = replace(self.filter, **values)
        self.reload()

    # ----- the current item -------------------------------------------------------------------------
    def current_item(self) -> NewsItem | None:
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _on_current(self, current, _previous) -> None:
        if not current.isValid():
            return
        item = self.model.row(current.row())
        self.filter = replace(self.filter, keep_ids=(item.id,))  # stays listed once read
        self._detail_token += 1
        token = self._detail_token
        self.reader.clear_images()
        self.runner.run(lambda: self.store.news.detail(item.id), lambda d: self._show_detail(token, d),
                        name="news item")
        if not item.is_read and not self._auto_selecting:
            self._write(lambda: self.store.news.set_flags(item.id, read=True), "mark read")

    def _show_detail(self, token: int, detail, images: bool = False) -> None:
        if token != self._detail_token or detail is None:
            return
        self.current_detail = detail
        self.reader.setHtml(reader_html(detail, self.names, images=images))

    def step(self, delta: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.view.currentIndex().row()
        target = 0 if current < 0 else min(max(current + delta, 0), rows - 1)
        self.view.selectRow(target)
        self.view.scrollTo(self.model.index(target, TITLE))

    def toggle_read(self) -> None:
        item = self.current_item()
        if item is not None:
            self._write(lambda: self.store.news.set_flags(item.id, read=not item.is_read), "toggle read")

    def toggle_star(self) -> None:
        item = self.current_item()
        if item is not None:
            self._write(lambda: self.store.news.set_flags(item.id, starred=not item.starred), "toggle star")

    def open_current(self) -> None:
        item = self.current_item()
        url = item.url if item is not None else ""
        if not url and self.current_detail is not None and self.current_detail.sources:
            url = self.current_detail.sources[0].url
        if url.startswith(("http://", "https://")):
            self.open_url(url)

    def mark_all_read(self) -> None:
        flt = replace(self.filter, keep_ids=())
        self._write(lambda: self.store.news.mark_read(flt=flt), "mark all read")

    def _write(self, write, name: str) -> None:
        """The user changed an item: store it, then show it at once (store changes alone reload
        at most every `change_reload_ms`)."""
        self.runner.run(write, lambda _: self.reload(), name=name)

    def load_images(self) -> None:
        """Fetch the current item's images (the user asked), then show them; nothing else is loaded."""
        detail = self.current_detail
        if detail is None:
            return
        if not self.allow_network:
            self.reader.append("<p style='color:gray'>Offline: images are not loaded.</p>")
            return
        base = detail.item.url if detail.item.url.startswith(("http://", "https://")) else ""
        urls = image_urls(detail.content_html, base)
        token = self._detail_token

        def fetch() -> dict[str, bytes]:
            from briefing.sources.http import FetchError, FetchLimits, HttpClient

            client = HttpClient(FetchLimits(deadline=20, max_bytes=5 * 1024 * 1024))
            got = {}
            try:
                for url in urls:
                    try:
                        got[url] = client.get(url, {"Accept": "image/*"}).body
                    except FetchError:
                        continue
            finally:
                client.close()
            return got

        def show(images: dict[str, bytes]) -> None:
            if token == self._detail_token:
                self.reader.set_images(images)
                self._show_detail(token, detail, images=True)

        self.runner.run(fetch, show, name="load images")
