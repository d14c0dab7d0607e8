"""Wiring: the Qt application, the profile's cache, the main window, and `--screenshot`.

Heavy imports (pandas, yfinance, pyqtgraph, exchange-calendars) stay off the path to the first
paint: the window shows the cached watchlist first, the chart is built right after.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from briefing import APP_ID, APP_NAME
from briefing.store import SchemaTooNewError, StoreError


def _make_app():
    from PySide6.QtWidgets import QApplication

    from briefing.ui import theme

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "briefing", *theme.STYLE_ARGS])
        app.setProperty(theme.STYLE_FROM_ARGS, True)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    from PySide6.QtGui import QIcon

    from briefing.domain.registry import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons/china-ai-briefing.svg"))))
    return app


def _fail(message: str, *, gui: bool) -> int:
    print(f"briefing: error: {message}", file=sys.stderr)
    if gui:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, APP_NAME, message)
    return 1


def run_gui(args) -> int:
    screenshot = getattr(args, "screenshot", None)
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from briefing import process_tuning

    process_tuning.limit_malloc_arenas()  # before Qt and the workers start threads
    # Imported before Qt: PySide checks every module imported after it (its __feature__ hook).
    from briefing.logs import setup_logging
    from briefing.services.profile import open_profile

    app = _make_app()
    process_tuning.shorten_gil_turns()
    interactive = not screenshot and os.environ.get("QT_QPA_PLATFORM") != "offscreen"

    try:
        profile = open_profile(args.data_dir, demo=args.demo)
    except SchemaTooNewError as exc:
        return _fail(str(exc), gui=interactive)
    except StoreError as exc:
        return _fail(str(exc), gui=interactive)
    setup_logging(profile.paths, verbose=args.verbose, defer_file=True)  # the file opens once all is shown

    from PySide6.QtCore import QSettings

    from briefing.ui import theme
    from briefing.ui.main_window import MainWindow

    settings = QSettings(str(profile.paths.ui_state_file), QSettings.Format.IniFormat)
    theme.apply_theme(str(settings.value("ui/theme", "system")))
    from briefing.ui.main_window import DEFAULT_SIZE

    window = MainWindow(profile.store, settings, demo=args.demo or profile.store.is_demo(), offline=args.offline,
                        snapshot_size=DEFAULT_SIZE if screenshot else None, defer_panels=True)
    if interactive:  # uncaught exceptions: logged (setup_logging) and shown once in a dialog
        window.errors.install()
    if not screenshot:  # tray alerts on price moves (Settings > Alerts); quotes arrive after all_loaded
        window.all_loaded.connect(lambda: _watch_price_moves(window))
    seeding = _start_demo_seeding(window, profile) if args.demo else None
    from briefing.ui.first_paint import ENV_VAR as FIRST_PAINT_ENV

    if os.environ.get(FIRST_PAINT_ENV):
        from briefing.ui.first_paint import FirstPaintProbe

        FirstPaintProbe(window)
    from briefing.logs import attach_log_file

    window.all_loaded.connect(attach_log_file)
    poller = _start_price_polling(window, profile, args)  # its imports (~20 ms) before the window shows blank
    window.show()
    if os.environ.get("BRIEFING_STALL_LOG"):  # stall_probe.ENV_VAR; imported only when asked for
        from briefing.ui.stall_probe import StallProbe

        StallProbe(os.environ["BRIEFING_STALL_LOG"], window)
    window.start()
    if not screenshot:
        _start_news_after_prices(window, poller)
    for notice in profile.notices:
        print(f"briefing: warning: {notice}", file=sys.stderr)
        if interactive:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(window, APP_NAME, notice)
        else:
            window.statusBar().showMessage(notice, 30000)

    if screenshot:
        from briefing.ui.screenshot import take_when_ready

        code = take_when_ready(window, Path(screenshot), seeding)
    else:
        code = app.exec()
    if poller is not None:
        poller.stop()
    window.errors.uninstall()
    window.close()
    window.runner.shutdown()
    profile.close()
    return code


def _watch_price_moves(window) -> None:
    from briefing.ui.price_alerts import PriceAlertWatcher

    window.price_alerts = PriceAlertWatcher(window)


def _start_price_polling(window, profile, args):
    """Live prices from Yahoo once the window has painted; never offline, in a demo profile (real and
    demo prices must not mix) or for a screenshot of the current data."""
    if args.offline or args.demo or profile.store.is_demo() or getattr(args, "screenshot", None):
        return None
    from briefing.services.price_poller import PricePoller
    from briefing.services.price_refresh import yahoo_source_for

    poller = PricePoller(profile.store, lambda: yahoo_source_for(profile.paths, profile.store), parent=window)
    poller.status.connect(lambda text: window.statusBar().showMessage(text, 30000))
    # symbols typed into the watchlist are checked with Yahoo through the poller's source (one budget)
    window.watchlist.actions.set_price_source(lambda: poller.source or yahoo_source_for(profile.paths, profile.store))
    window.all_loaded.connect(poller.start)
    return poller


NEWS_START_WAIT_MS = 15_000


def _start_news_after_prices(window, poller) -> None:
    """News: due feeds once the first quotes are in (at most NEWS_START_WAIT_MS after the window
    has loaded), then every minute; never offline or in a demo (NewsService.why_not).

    Not both at once: the feeds' threads, the prices' first fetch and the panels' first reads
    together made the longest GUI stalls of start-up in bench/soak.py."""
    from PySide6.QtCore import QTimer

    started = []

    def start() -> None:
        if not started:
            started.append(True)
            window.news_service.start_schedule()

    if poller is None:
        window.all_loaded.connect(start)
        return
    poller.first_quotes.connect(start)  # the poller starts at all_loaded: its first quotes come after
    window.all_loaded.connect(lambda: QTimer.singleShot(NEWS_START_WAIT_MS, window, start))


def _start_demo_seeding(window, profile):
    """Seed the demo dataset off the GUI thread; the panels fill in through change notifications."""
    if profile.store.is_demo():
        return None
    from briefing.services.profile import seed_demo_if_needed

    state = {"done": False, "error": None}
    window.statusBar().showMessage("Preparing demo data…")

    def done(_):
        state["done"] = True
        window.statusBar().showMessage("Demo data ready", 5000)
        window.update_data_state()

    def failed(exc):
        state["done"], state["error"] = True, exc
        window.statusBar().showMessage(f"Could not prepare demo data: {exc}")
        print(f"briefing: error: could not prepare demo data: {exc}", file=sys.stderr)

    window.runner.run(lambda: seed_demo_if_needed(profile), done, failed, name="demo seeding")
    return state
