"""The news side of the window: scheduled and manual refreshes, alerts, and the panel's dialogs.

The refresh itself (`services.news_refresh`) runs on a worker; results come back here and the
panel hears of new items through the store's change notifications like every other panel.
Nothing is fetched offline or in a demo profile (demo data must not mix with real news).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal

from briefing.services.scheduler import Job, Scheduler

JOB_NAME = "news"
CHECK_EVERY_S = 60.0  # how often the job looks for due feeds; each feed has its own interval


class NewsService(QObject):
    refreshed = Signal(object)  # RefreshReport

    def __init__(self, window, store, runner, *, offline: bool = False, demo: bool = False) -> None:
        super().__init__(window)
        self.window, self.store, self.runner = window, store, runner
        self.offline, self.demo = offline, demo
        self._notifier = None
        self.scheduler: Scheduler | None = None
        self.feed_manager = None
        self.alerts_dialog = None
        self._refresher = None
        panel = window.news
        panel.allow_network = not offline
        panel.refresh_requested.connect(lambda: self.refresh_now())
        panel.manage_feeds_requested.connect(self.open_feed_manager)
        panel.alerts_requested.connect(self.open_alerts)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def notifier(self):
        """Made at the first alert (keeps the tray and its module off the first paint)."""
        if self._notifier is None:
            from briefing.ui.news_alerts import AlertNotifier

            self._notifier = AlertNotifier(self.window)
        return self._notifier

    def why_not(self) -> str | None:
        """Why feeds cannot be fetched now, in words; None when they can."""
        if self.offline:
            return "offline (--offline): feeds are not fetched"
        if self.demo or self.store.is_demo():
            return "demo profile: real feeds are not fetched into demo data"
        return None

    def refresher(self):
        if self._refresher is None:
            from briefing.services.news_refresh import NewsRefresher

            self._refresher = NewsRefresher(self.store)
        return self._refresher

    # ----- refreshing -------------------------------------------------------------------------------
    def _refresh(self, force: bool, feed_ids: list[int] | None):  # worker thread
        from briefing.services.news_alerts import alerts_for

        feeds = None if feed_ids is None else [f for f in (self.store.feeds.get(i) for i in feed_ids) if f]
        report = self.refresher().refresh(feeds, force=force)
        names = {c.id: c.name_en for c in self.store.instruments.companies()}
        from briefing.domain.preferences import TRAY_NOTIFICATIONS, Preferences

        notify = Preferences.of(self.store).get(TRAY_NOTIFICATIONS)  # off: no alert notifications
        return report, alerts_for(self.store, report.new_ids) if notify else None, names

    def refresh_now(self, feed_ids: list[int] | None = None) -> bool:
        reason = self.why_not()
        if reason:
            self.window.statusBar().showMessage(f"Not refreshing: {reason}", 10_000)
            return False
        self.window.statusBar().showMessage("Refreshing feeds…")
        self.runner.run(lambda: self._refresh(True, feed_ids), lambda r: self._done(r, manual=True),
                        self._failed, name="news refresh")
        return True

    def _done(self, result, manual: bool = False) -> None:
        report, alerts, names = result
        if manual or report.new_ids or report.errors:
            self.window.statusBar().showMessage(f"News: {report.summary()}", 15_000)
        if alerts:
            self.notifier.notify(alerts, names)
        self.refreshed.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.window.statusBar().showMessage(f"News refresh failed: {error}", 15_000)

    def start_schedule(self, scheduler: Scheduler | None = None, interval_s: float | None = None) -> bool:
        """Check for due feeds now and every `interval_s` (default: the preference; the window's
        scheduler if it has one)."""
        if self.why_not():
            return False
        if interval_s is None:
            from briefing.domain.preferences import FEED_CHECK_INTERVAL, Preferences

            interval_s = float(Preferences.of(self.store).get(FEED_CHECK_INTERVAL))
        own = scheduler is None and getattr(self.window, "scheduler", None) is None
        self.scheduler = scheduler or getattr(self.window, "scheduler", None) or Scheduler(self.runner, parent=self)
        self.scheduler.add(Job(JOB_NAME, interval_s, lambda: self._refresh(False, None), on_result=self._done,
                               may_run=lambda: self.why_not() is None))
        self.scheduler.job_failed.connect(self._job_failed)
        if own:
            self.scheduler.start()
        return True

    def _job_failed(self, name: str, message: str) -> None:
        if name == JOB_NAME:
            self.window.statusBar().showMessage(f"News refresh failed: {message}", 15_000)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.remove(JOB_NAME)
        if self._refresher is not None:
            self._refresher.close()

    # ----- dialogs ------------------------------------------------------------------------------------
    def open_feed_manager(self):
        from briefing.ui.feed_manager import FeedManager

        if self.feed_manager is None:
            self.feed_manager = FeedManager(self.store, self.runner, self.window.signals, parent=self.window)
            self.feed_manager.refresh_requested.connect(self.refresh_now)
            reason = self.why_not()
            if reason:
                self.feed_manager.message.setText(f"Note: {reason}.")
        self.feed_manager.show()
        self.feed_manager.activateWindow()
        return self.feed_manager

    def open_alerts(self):
        from briefing.ui.news_alerts import AlertsDialog

        if self.alerts_dialog is None:
            self.alerts_dialog = AlertsDialog(self.store, self.runner, dict(self.window.news.names), parent=self.window)
        self.alerts_dialog.show()
        self.alerts_dialog.activateWindow()
        return self.alerts_dialog
