"""File > Export daily briefing: choose format, day and watchlist, preview, export, open.

The model is built and the file written on the task runner's threads; only the charts are drawn
on the GUI thread (pyqtgraph), one per event-loop turn, so the window stays responsive and the
progress bar moves. The last choices (format, page size, watchlist, folder, news count) are kept
in the window's QSettings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, QStandardPaths, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QProgressBar, QPushButton, QSpinBox, QTextBrowser, QVBoxLayout, QWidget,
)

from briefing.export.model import DEFAULT_NEWS_PER_COMPANY, FORMATS, PAGE_SIZES, BriefingOptions
from briefing.export.run import FORMAT_NAMES, default_name, needs_charts
from briefing.ui.event_turns import next_turn

PREVIEW_DELAY_MS = 400
PREVIEW_SCALE = 1.0  # the preview's charts: quick; the file's charts are drawn at 2x


class ExportDialog(QDialog):
    """The export dialog; `exported` carries the `ExportResult` when a file has been written."""

    exported = Signal(object)
    failed = Signal(str)
    preview_shown = Signal()

    def __init__(self, store, settings: QSettings, runner, *, offline: bool = False,
                 now: Callable[[], datetime] | None = None, defaults: dict | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.defaults = defaults or {}
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export daily briefing")
        self.store, self.settings, self.runner, self.offline = store, settings, runner, offline
        self.now = now or (lambda: datetime.now().astimezone())
        self.result = None
        self._busy = False
        self._preview_token = 0
        self._last = None  # the briefing of the latest preview

        self.format = QComboBox(self)
        for key in FORMATS:
            self.format.addItem(FORMAT_NAMES[key], key)
        self.page_size = QComboBox(self)
        for key in PAGE_SIZES:
            self.page_size.addItem(key.upper() if key == "a4" else key.capitalize(), key)
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        today = self.now().date()
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.watchlist = QComboBox(self)
        self.news = QSpinBox(self)
        self.news.setRange(0, 20)
        self.folder = QLineEdit(self)
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.target = QLabel("", self)
        self.target.setObjectName("exportTarget")
        self.target.setWordWrap(True)
        self.target.setMinimumHeight(2 * self.target.fontMetrics().lineSpacing() + 4)

        form = QFormLayout()
        form.addRow("&Format:", self.format)
        form.addRow("&Page size:", self.page_size)
        form.addRow("&Day:", self.day)
        form.addRow("&Watchlist:", self.watchlist)
        form.addRow("&News per company:", self.news)
        folder_label = QLabel("F&older:", self)
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        form.addRow("", self.target)

        self.preview = QTextBrowser(self)
        self.preview.setObjectName("exportPreview")
        self.preview.setOpenExternalLinks(True)
        self.preview.setMinimumSize(520, 420)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_file_button = self.buttons.addButton("Open &file", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button = self.buttons.addButton("Open f&older", QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.open_file_button.setEnabled(False)
        self.open_folder_button.setEnabled(False)
        self.export_button.clicked.connect(self.start_export)
        self.open_file_button.clicked.connect(self.open_file)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(self.preview, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._restore()
        for signal in (self.format.currentIndexChanged, self.page_size.currentIndexChanged,
                       self.watchlist.currentIndexChanged, self.news.valueChanged, self.day.dateChanged):
            signal.connect(self._changed)
        self.folder.textChanged.connect(self._update_target)
        self.runner.run(self.store.watchlists.all, self._fill_watchlists, self._show_error, name="export: watchlists")

    # ----- choices -------------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        d = getattr(self, "defaults", None) or {}  # from the preferences (briefing.*), when nothing is remembered
        self._select(self.format, str(s.value("export/format", d.get("briefing.format", "pdf"))))
        self._select(self.page_size, str(s.value("export/page_size", "a4")))
        self.news.setValue(int(s.value("export/news_per_company",
                                       d.get("briefing.news_per_company", DEFAULT_NEWS_PER_COMPANY)) or 0))
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        self.folder.setText(str(s.value("export/folder", docs)))
        self._update_page_size()

    def _remember(self) -> None:
        s = self.settings
        s.setValue("export/format", self.chosen_format())
        s.setValue("export/page_size", self.page_size.currentData())
        s.setValue("export/watchlist", self.watchlist.currentText())
        s.setValue("export/folder", self.folder.text())
        s.setValue("export/news_per_company", self.news.value())
        s.sync()

    @staticmethod
    def _select(combo: QComboBox, key: str) -> None:
        i = combo.findData(key)
        if i < 0:
            i = combo.findText(key)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _fill_watchlists(self, lists) -> None:
        self.watchlist.blockSignals(True)
        self.watchlist.clear()
        for w in lists:
            self.watchlist.addItem(("★ " if w.pinned else "") + w.name, w.name)
        remembered = str(self.settings.value("export/watchlist", "") or "")
        if remembered:
            self._select(self.watchlist, remembered)
        self.watchlist.blockSignals(False)
        self._changed()

    def chosen_format(self) -> str:
        return self.format.currentData()

    def options(self) -> BriefingOptions:
        d = self.day.date()
        return BriefingOptions(day=date(d.year(), d.month(), d.day()), watchlist=self.watchlist.currentData(),
                               news_per_company=self.news.value(), offline=self.offline)

    def _changed(self, *_) -> None:
        self._update_page_size()
        self._update_target()
        self._preview_timer.start()

    def _update_page_size(self) -> None:
        self.page_size.setEnabled(self.chosen_format() == "pdf")

    def _update_target(self, *_) -> None:
        """Name the file once a preview has been built (the name holds its date and watchlist)."""
        if self._last is not None:
            self.target.setText(f"Will write {self._path_for(self._last)}")

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export the briefing to", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    # ----- preview -------------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        self._preview_token += 1
        token, options, now = self._preview_token, self.options(), self.now()
        from briefing.export.build import build_briefing

        self.runner.run(lambda: build_briefing(self.store, options, now),
                        lambda b: self._show_preview(token, b), self._show_error, name="export: preview")

    def _show_preview(self, token: int, briefing) -> None:
        if token != self._preview_token:
            return  # the choices changed meanwhile: a newer preview is on its way
        from briefing.export import writers
        from briefing.export.charts import render_all

        charts = render_all(briefing.charts, PREVIEW_SCALE)
        doc = self.preview.document()
        for key, png in charts.items():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart-{key}.png"),
                            QImage.fromData(png, "PNG"))
        width = max(320, self.preview.viewport().width() - 24)
        self.preview.setHtml(writers.print_html(briefing, lambda k: f"chart-{k}.png", lambda k: k in charts, width))
        self._last = briefing
        self._update_target()
        self.preview_shown.emit()

    # ----- export --------------------------------------------------------------------------------
    def _path_for(self, briefing) -> Path:
        return Path(self.folder.text() or ".").expanduser() / default_name(briefing, self.chosen_format())

    def start_export(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._remember()
        self.export_button.setEnabled(False)
        self.open_file_button.setEnabled(False)
        self.open_folder_button.setEnabled(False)
        self._step(5, "Reading the cache…")
        options, now, fmt = self.options(), self.now(), self.chosen_format()
        from briefing.export.build import build_briefing

        self.runner.run(lambda: build_briefing(self.store, options, now), lambda b: self._draw(b, fmt),
                        self._fail, name="export: build")

    def _draw(self, briefing, fmt: str) -> None:
        charts: dict[str, bytes] = {}
        todo = list(briefing.charts) if needs_charts(fmt) else []

        def next_chart() -> None:
            if not todo:
                self._write(briefing, charts, fmt)
                return
            chart = todo.pop(0)
            done = len(charts)
            self._step(15 + 60 * done // max(1, done + len(todo) + 1),
                       f"Drawing chart {done + 1} of {done + len(todo) + 1}: {chart.title}…")
            try:
                from briefing.ui.chart_render import render_png

                charts[chart.key] = render_png(chart.spec)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the dialog stays usable
                self._fail(exc)
                return
            next_turn(self, next_chart)

        next_turn(self, next_chart)

    def _write(self, briefing, charts: dict[str, bytes], fmt: str) -> None:
        from briefing.export.run import write

        path = self._path_for(briefing)
        self._step(80, f"Writing {FORMAT_NAMES[fmt]}…")
        page_size = self.page_size.currentData()
        self.runner.run(lambda: write(briefing, charts, fmt, path, page_size), self._done, self._fail,
                        name="export: write")

    def _done(self, result) -> None:
        self._busy = False
        self.result = result
        self._step(100, f"Wrote {result.path}" + ("".join(f"\n{n}" for n in result.notices)))
        self.export_button.setEnabled(True)
        self.open_file_button.setEnabled(True)
        self.open_folder_button.setEnabled(True)
        self.exported.emit(result)

    def _fail(self, error: BaseException) -> None:
        self._busy = False
        self.progress.setValue(0)
        self._show_error(error)
        self.export_button.setEnabled(True)
        self.failed.emit(str(error))

    def _show_error(self, error: BaseException) -> None:
        self.status.setStyleSheet("color: #c01f2b;")
        self.status.setText(f"Could not export: {error}")

    def _step(self, percent: int, text: str) -> None:
        self.status.setStyleSheet("")
        self.progress.setValue(percent)
        self.status.setText(text)

    def open_file(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.path)))

    def open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.result.path).parent)))
