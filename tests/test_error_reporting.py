"""Unexpected errors reach the log file and the user (one dialog per kind of error), never swallowed."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QObject, Signal

from briefing import logs
from briefing.paths import Paths
from briefing.services.tasks import TaskRunner
from briefing.ui import error_reporter
from briefing.ui.error_reporter import ErrorReporter


@pytest.fixture
def log_path(tmp_path, root_logger):
    logs.setup_logging(Paths(tmp_path / "data", tmp_path / "cache", tmp_path / "logs"))
    yield logs.log_file()


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr(error_reporter, "show_error_dialog", lambda parent, summary, details: calls.append(
        (summary, details)))
    return calls


def _flush(path):
    for h in logging.getLogger().handlers:
        if isinstance(h, logging.FileHandler):
            h.flush()
    return path.read_text(encoding="utf-8")


class Boom(Exception):
    pass


def test_worker_exception_reaches_log_and_user_once(qtbot, log_path, shown):
    runner = TaskRunner()
    reporter = ErrorReporter()
    runner.error.connect(reporter.task_failed)
    failed = []
    runner.failed.connect(lambda what, msg: failed.append((what, msg)))

    def work():
        raise Boom("the parser choked")

    for _ in range(3):  # the same bug three times: one dialog
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.run(work, name="parse feed")
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(lambda: 1 / 0, name="divide")
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert "parse feed failed: Boom: the parser choked" in shown[0][0]
    assert "work" in shown[0][1]  # the traceback is in the details
    assert len(failed) == 4  # the status bar still hears of every failure
    text = _flush(log_path)
    assert text.count("the parser choked") >= 3 and "Traceback" in text and "ZeroDivisionError" in text
    runner.shutdown()


def test_environment_faults_go_to_the_status_bar_not_a_dialog(qtbot, log_path, shown):
    from briefing.sources.errors import SourceError

    runner = TaskRunner()
    reporter = ErrorReporter()
    runner.error.connect(reporter.task_failed)

    def offline():
        raise SourceError("network unreachable")

    with qtbot.waitSignal(runner.failed, timeout=5000):
        runner.run(offline, name="quotes")
    qtbot.wait(0)  # deliver anything queued (no timers involved)
    assert shown == []
    assert "network unreachable" in _flush(log_path)
    runner.shutdown()


def test_exception_in_a_slot_is_logged_and_shown_once(qtbot, log_path, shown):
    class Source(QObject):
        fired = Signal()

    source = Source()
    reporter = ErrorReporter()
    reporter.install()
    try:
        def slot():
            raise Boom("slot broke")

        source.fired.connect(slot)
        source.fired.emit()
        source.fired.emit()
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
        qtbot.wait(0)
    finally:
        reporter.uninstall()
    assert len(shown) == 1 and "Boom: slot broke" in shown[0][0]
    assert "uncaught exception" in _flush(log_path) and "slot broke" in _flush(log_path)


def test_exception_in_a_plain_thread_is_logged_and_shown(qtbot, log_path, shown):
    reporter = ErrorReporter()
    reporter.install()
    try:
        def run():
            raise Boom("thread broke")

        t = threading.Thread(target=run, name="worker-x")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    finally:
        reporter.uninstall()
    assert "thread broke" in shown[0][0]
    text = _flush(log_path)
    assert "thread broke" in text


def test_window_routes_task_bugs_to_its_reporter(qtbot, store, tmp_path, shown):
    from PySide6.QtCore import QSettings

    from briefing.ui.main_window import MainWindow

    w = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    try:
        with qtbot.waitSignal(w.runner.idle, timeout=5000):
            w.runner.run(lambda: {}["missing"], name="build chart")
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
        assert "build chart failed: KeyError" in shown[0][0]
        assert "build chart" in w.statusBar().currentMessage()
    finally:
        w.runner.shutdown()
        w.close()
