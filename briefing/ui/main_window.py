"""The main window: four dockable panels over one cache, menus, status bar, remembered layout."""

from __future__ import annotations

import gc
import importlib
import threading
import time

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from briefing import APP_NAME, __version__
from briefing.domain.data_state import describe
from briefing.process_tuning import loading_for_good
from briefing.services.tasks import TaskRunner
from briefing.store import Store
from briefing.store import changes as topics
from briefing.ui import theme
from briefing.ui.event_turns import next_turn
from briefing.ui.first_paint import after_first_paint
from briefing.ui.main_menus import build_menus
from briefing.ui.panel import Panel
from briefing.ui.store_signals import StoreSignals
from briefing.ui.watchlist_panel import WatchlistPanel

DEFAULT_SIZE = (1440, 900)
STATE_VERSION = 1  # bump when the dock set changes, so an old saved layout is ignored


def _placeholder(parent: QWidget) -> QLabel:
    label = QLabel("Loading…", parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setEnabled(False)
    return label


DEFERRED_MODULES = ("briefing.ui.chart_panel", "briefing.ui.news_panel", "briefing.ui.news_service",
                    "briefing.ui.timeline_panel", "pyqtgraph", "briefing.ui.chart_axes", "briefing.ui.chart_items",
                    "briefing.ui.price_alerts")


CHART_FIRST_WAIT_MS = 1500  # the others read after the chart's first paint, or after this


def import_deferred_modules() -> None:
    """Worker thread: load what `build_panels`, the chart's plot and the tray's price alerts import;
    creates no Qt object."""
    with loading_for_good():
        for name in DEFERRED_MODULES:
            importlib.import_module(name)


class MainWindow(QMainWindow):
    """Wires the panels to each other and to the store; holds no data itself."""

    all_loaded = Signal()  # every panel has shown its first read (and the chart is built)

    def __init__(self, store: Store, settings: QSettings, *, runner: TaskRunner | None = None,
                 demo: bool = False, offline: bool = False, snapshot_size: tuple[int, int] | None = None,
                 defer_panels: bool = False, parent: QWidget | None = None) -> None:
        """`defer_panels`: build the chart, news and timeline panels (and import their ~20 modules)
        only after the first frame that shows watchlist rows; their docks hold a placeholder until
        then. The app does this to open fast; tests that drive the panels directly do not."""
        super().__init__(parent)
        self.snapshot_size = snapshot_size  # for --screenshot: a fixed size, and the layout is not saved
        self.store = store
        self.settings = settings
        self._theme_wanted: str | None = None  # the last theme chosen, and the lock its writes take
        self._theme_lock = threading.Lock()
        self.demo = demo
        self.offline = offline
        self.runner = runner or TaskRunner(self)
        self.runner.failed.connect(self.show_task_error)
        from briefing.ui.error_reporter import ErrorReporter

        self.errors = ErrorReporter(self)  # app.py installs its exception hooks; task bugs come here too
        self.runner.error.connect(self.errors.task_failed)
        self.signals = StoreSignals(store, self)
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"{APP_NAME} — Demo data" if demo else APP_NAME)
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)

        self.watchlist = WatchlistPanel(store, self.runner)
        self.panels: list[Panel] = [self.watchlist]
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        build_menus(self)
        self._build_status_bar()
        self._connect_panel(self.watchlist)
        self.signals.changed.connect(self._on_store_changed)
        self.watchlist.refreshed.connect(self.update_data_state)
        self._loaded_emitted = False
        self._started = False
        if not defer_panels:
            self.build_panels()
        else:  # the calendars' imports and pandas wait until the panels' first reads are shown
            self.watchlist.calendar_wait_ms = None
            self.all_loaded.connect(self.watchlist.load_calendars)
        self._restore_layout()
        self._tooltip_icon_buttons()
        # Wrapping the viewport (a private Qt class) has PySide create ~50 classes' enums, 12-28 ms:
        # here, before the window is shown and any read competes for the GIL, not in the first
        # read's turn (68-88 ms there in bench/soak.py).
        self._rows_viewport = self.watchlist.view.viewport()

    def build_panels(self, read: bool = True) -> None:
        """Build the chart, news and timeline panels into their docks (once), and the news service;
        `read`: and, once the window has started, have them read the cache now."""
        if len(self.panels) > 1:
            return
        from briefing.ui.chart_panel import ChartPanel
        from briefing.ui.news_panel import NewsPanel
        from briefing.ui.news_service import NewsService
        from briefing.ui.timeline_panel import TimelinePanel

        self.chart = ChartPanel(self.store, self.runner)
        self.news = NewsPanel(self.store, self.runner)
        self.timeline = TimelinePanel(self.store, self.runner)
        for key, panel in (("chart", self.chart), ("news", self.news), ("timeline", self.timeline)):
            placeholder = self.docks[key].widget()
            self.docks[key].setWidget(panel)
            if placeholder is not None:
                placeholder.deleteLater()
            self.panels.append(panel)
            self._connect_panel(panel)
        self.watchlist.symbols_selected.connect(self.chart.set_symbols)
        self.timeline.event_selected.connect(self.chart.highlight_event)
        self.timeline.event_activated.connect(self.chart.show_event)
        # feeds, alerts and the news dialogs; app.py starts its schedule (tests and screenshots never fetch)
        self.news_service = NewsService(self, self.store, self.runner, offline=self.offline, demo=self.demo)
        self._tooltip_icon_buttons()
        if self._started and read:
            self._read_deferred()

    def _read_deferred(self) -> None:
        """The chart reads and paints first, the news list and the timeline after: the plot's
        first paint (pyqtgraph's Python) was start-up's longest stall while the news list's worker
        made its 500 rows beside it."""
        symbols = self.watchlist.selected_symbols()
        if symbols:
            self.chart.set_symbols(symbols)
        else:
            self.chart.reload()
        others = [p for p in self.panels[1:] if p is not self.chart]
        done = []

        def read_others() -> None:
            if not done:
                done.append(True)
                self.chart.refreshed.disconnect(after_chart)
                for panel in others:
                    panel.reload()

        def after_chart() -> None:
            after_first_paint(self.chart.plot.viewport(), read_others, fallback_ms=300)

        self.chart.refreshed.connect(after_chart)
        QTimer.singleShot(CHART_FIRST_WAIT_MS, self, read_others)  # a chart that cannot read holds nothing up

    def _connect_panel(self, panel: Panel) -> None:
        self.signals.changed.connect(panel.on_store_changed)
        panel.loaded.connect(self._check_loaded)

    # ----- construction --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        specs = [
            ("watchlist", "&Watchlist", Qt.DockWidgetArea.LeftDockWidgetArea, "Ctrl+1"),
            ("chart", "&Chart", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+2"),
            ("news", "&News", Qt.DockWidgetArea.LeftDockWidgetArea, "Ctrl+3"),
            ("timeline", "Regulation &timeline", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+4"),
        ]
        for key, title, area, shortcut in specs:
            dock = QDockWidget(title.replace("&", ""), self)
            dock.setObjectName(f"dock_{key}")  # saveState() keys on object names
            dock.setWidget(self.watchlist if key == "watchlist" else _placeholder(dock))
            self.addDockWidget(area, dock)
            dock.toggleViewAction().setText(title)
            dock.toggleViewAction().setShortcut(QKeySequence(shortcut))
            self.docks[key] = dock
        self.setCentralWidget(None)
        self.splitDockWidget(self.docks["watchlist"], self.docks["news"], Qt.Orientation.Vertical)
        self.splitDockWidget(self.docks["chart"], self.docks["timeline"], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["watchlist"], self.docks["chart"]], [700, 740], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["watchlist"], self.docks["news"]], [430, 400], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["chart"], self.docks["timeline"]], [420, 410], Qt.Orientation.Vertical)

    def _tooltip_icon_buttons(self) -> None:
        """Qt's own icon-only buttons (dock title bars, toolbar overflow) get a tooltip and a name."""
        from PySide6.QtWidgets import QAbstractButton

        for key, dock in self.docks.items():
            title = dock.windowTitle()
            keys = dock.toggleViewAction().shortcut().toString()
            for name, tip in (("qt_dockwidget_floatbutton", f"Float or re-dock the {title} panel"),
                              ("qt_dockwidget_closebutton", f"Hide the {title} panel (View menu or {keys})")):
                button = dock.findChild(QAbstractButton, name)
                if button is not None:
                    button.setToolTip(tip)
                    button.setAccessibleName(tip)
        for button in self.findChildren(QAbstractButton, "qt_toolbar_ext_button"):
            button.setToolTip("More tools")
            button.setAccessibleName("More tools")

    def _build_status_bar(self) -> None:
        self.state_label = QLabel("", self)
        self.state_label.setObjectName("dataState")
        self.state_label.setToolTip("Where the figures come from and how fresh they are")
        self.statusBar().addPermanentWidget(self.state_label)
        self.update_data_state()

    # ----- behaviour --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start reading the panels; deferred panels and the chart's plot come after the first paint."""
        # The plot (pyqtgraph: ~0.4 s of imports) and deferred panels wait for the first frame with rows.
        self._started = True
        self.watchlist.loaded.connect(lambda: after_first_paint(self._rows_viewport, self._after_rows_painted))
        for panel in self.panels:
            panel.reload()

    def _after_rows_painted(self) -> None:
        # Their modules (~0.8 s, pyqtgraph half of it) are imported on a worker: importing them here
        # froze the shown window that long. Building the panels afterwards takes ~50 ms.
        self.runner.run(import_deferred_modules, lambda _: self._build_deferred(),
                        lambda _exc: self._build_deferred(), name="import the deferred panels")

    def _build_deferred(self) -> None:
        """On the GUI thread (an import that failed on the worker fails again here, loudly), in
        turns of the event loop, not one long step: the panels, the plot's steps, then their reads.
        The plot (~45 ms of pyqtgraph's Python) is built before the reads start, while no worker
        competes with it for the GIL."""
        built_now = len(self.panels) == 1  # else built with the window (tests): they read already
        self.build_panels(read=False)
        self._build_in_turns(self.chart.plot_steps(), read=built_now)

    def _build_in_turns(self, steps: list, read: bool) -> None:
        if steps:
            step = steps.pop(0)
            next_turn(self, lambda: (step(), self._build_in_turns(steps, read)))
            return
        # pyqtgraph, numpy and the panels' modules are loaded for good: keep their objects out of
        # later full collections, each of which would otherwise stop the GUI thread ~40 ms.
        gc.freeze()
        if read:
            next_turn(self, self._read_deferred)
        self._check_loaded()

    def _check_loaded(self) -> None:
        if (self._loaded_emitted or len(self.panels) == 1 or self.chart.volume_plot is None
                or not all(p.is_loaded for p in self.panels)):
            return
        self._loaded_emitted = True
        self.update_data_state()
        self.all_loaded.emit()

    def _on_store_changed(self, batch) -> None:
        if any(c.topic == topics.SETTINGS for c in batch):
            self.update_data_state()

    def update_data_state(self) -> None:
        state = describe(self.watchlist.quotes(), demo=self.demo or self.store.is_demo(),
                         offline=self.offline, now=time.time())
        self.state_label.setText(state.text)
        self.state_label.setProperty("state", state.kind)
        if state.kind == "demo" and not self.windowTitle().endswith("Demo data"):
            self.setWindowTitle(f"{APP_NAME} — Demo data")

    def show_export_dialog(self):
        """File > Export daily briefing (Ctrl+E); the dialog restores the last choices itself."""
        import shiboken6
        from PySide6.QtCore import Qt

        from briefing.ui.export_dialog import ExportDialog

        current = getattr(self, "export_dialog", None)
        if current is not None and shiboken6.isValid(current) and current.isVisible():
            self.export_dialog.raise_()
            return self.export_dialog
        from briefing.domain.preferences import BRIEFING_FORMAT, BRIEFING_NEWS_PER_COMPANY, Preferences

        prefs = Preferences.of(self.store)
        defaults = {k: prefs.get(k) for k in (BRIEFING_FORMAT, BRIEFING_NEWS_PER_COMPANY)}
        self.export_dialog = ExportDialog(self.store, self.settings, self.runner, offline=self.offline,
                                          defaults=defaults, parent=self)
        self.export_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog.show()
        return self.export_dialog

    def show_task_error(self, what: str, message: str) -> None:
        self.statusBar().showMessage(f"{what}: {message}", 15000)

    def set_theme(self, name: str) -> None:
        applied = theme.apply_theme(name)
        self.settings.setValue("ui/theme", applied)
        for n, act in self.theme_actions.items():
            act.setChecked(n == applied)
        from briefing.domain.preferences import THEME, Preferences

        prefs = Preferences.of(self.store)
        self._theme_wanted = applied

        def remember() -> None:
            # The pool may run two quick switches' writes in either order, or at once: each writes
            # the latest choice, one at a time, so the last write is the last choice.
            with self._theme_lock:
                wanted = self._theme_wanted
                if prefs.get(THEME) != wanted:
                    prefs.set(THEME, wanted)

        self.runner.run(remember, name="remember theme")

    # ----- settings, shortcuts, log folder ---------------------------------------------------------
    def show_settings_dialog(self):
        """File > Settings (Ctrl+,): generated from briefing/domain/preferences.py."""
        from briefing.domain.preferences import THEME, Preferences
        from briefing.ui.settings_dialog import SettingsDialog

        self.build_panels()  # the alert rules live with the news service
        prefs = Preferences.of(self.store)
        names = [w.name for w in self.store.watchlists.all()]
        dialog = SettingsDialog(prefs, data_dir=self.store.path.parent, watchlists=names,
                                open_alerts=self.news_service.open_alerts, parent=self)
        dialog.load({**prefs.values(), THEME: str(self.settings.value("ui/theme", "system"))})
        dialog.applied.connect(self.apply_preferences)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.show()
        return dialog

    def apply_preferences(self, changed: dict) -> None:
        """What takes effect at once; the services read the rest at their next run."""
        from briefing.domain.preferences import THEME

        if THEME in changed:
            self.set_theme(changed[THEME])
        self.statusBar().showMessage("Settings saved", 5000)

    def show_shortcuts(self):
        from briefing.ui.shortcuts_dialog import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def log_folder(self):
        from briefing.logs import log_file

        path = log_file()
        return path.parent if path is not None else None

    def open_log_folder(self) -> bool:
        from briefing.ui.settings_dialog import open_folder

        folder = self.log_folder()
        if folder is None:
            self.statusBar().showMessage("No log file is open (logging starts with the app)", 10000)
            return False
        return open_folder(folder)

    def show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Prices, news and regulation for Chinese AI stocks "
            f"(百度 · 阿里巴巴 · 腾讯 · 商汤), over one local cache.<br>Cache: {self.store.path}<br>"
            "Not investment advice.",
        )

    # ----- layout persistence ---------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if int(self.settings.value("window/state_version", 0) or 0) != STATE_VERSION:
            geometry = state = None
        if self.snapshot_size is not None:
            self.resize(*self.snapshot_size)  # an offscreen screen is 800x600: do not clamp to it
        elif not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(*DEFAULT_SIZE)
        if isinstance(state, QByteArray):
            self.restoreState(state, STATE_VERSION)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.setValue("window/state_version", STATE_VERSION)
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if self.snapshot_size is None:
            self.save_layout()
        self.signals.detach()
        super().closeEvent(event)
