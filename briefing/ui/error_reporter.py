"""Unexpected errors shown to the user: once per kind of error, never swallowed.

Uncaught exceptions (in a slot on the GUI thread, in any other thread) still go to the previous
hooks, which log them (briefing/logs.py); this adds a dialog, shown on the GUI thread. A task that
failed in the TaskRunner is logged there; a bug (not a network, disk or cache fault, which the status
bar reports) is shown here as well. A repeat of the same error is not shown again.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from briefing import APP_NAME

log = logging.getLogger(__name__)


def show_error_dialog(parent: QWidget | None, summary: str, details: str) -> None:
    """The dialog itself (a module function, so tests can record instead of blocking)."""
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, summary, QMessageBox.StandardButton.Close, parent)
    box.setInformativeText("The details are in the log file (Help > Open log folder). "
                           "Please attach it to a bug report.")
    box.setDetailedText(details)
    box.exec()


def is_environment_fault(error: BaseException) -> bool:
    """Network, disk and cache faults: expected now and then, reported in the status bar instead."""
    from briefing.sources.errors import SourceError
    from briefing.store import StoreError

    return isinstance(error, (OSError, SourceError, StoreError))


class ErrorReporter(QObject):
    """Shows each distinct unexpected error once, in a dialog over `parent`."""

    _raised = Signal(str, str, str)  # key, summary, details: queued to the GUI thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.seen: set[str] = set()
        self._previous = None
        self._previous_thread = None
        self._raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # ----- sources ------------------------------------------------------------------------------
    def install(self) -> None:
        """Chain into sys.excepthook and threading.excepthook (the previous hooks still log)."""
        self._previous, self._previous_thread = sys.excepthook, threading.excepthook

        def hook(exc_type, exc, tb):
            self._previous(exc_type, exc, tb)
            self.report_exception(exc, "".join(traceback.format_exception(exc_type, exc, tb)))

        def thread_hook(args):
            self._previous_thread(args)
            if args.exc_type is not SystemExit:
                self.report_exception(args.exc_value, "".join(
                    traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

        sys.excepthook, threading.excepthook = hook, thread_hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous, self._previous_thread
            self._previous = self._previous_thread = None

    def task_failed(self, name: str, error: BaseException) -> None:
        """A TaskRunner task failed with nobody to handle it (already logged by the runner)."""
        if is_environment_fault(error):
            return
        details = getattr(error, "__briefing_traceback__", "") or "".join(
            traceback.format_exception(type(error), error, error.__traceback__))
        self.report_exception(error, details, f"{name} failed")

    def report_exception(self, error: BaseException | None, details: str, what: str = "") -> None:
        kind = type(error).__name__ if error is not None else "Error"
        summary = f"{what + ': ' if what else 'Unexpected error: '}{kind}: {error}"
        self._raised.emit(f"{what}|{kind}|{error}", summary, details)

    # ----- the dialog ---------------------------------------------------------------------------
    @Slot(str, str, str)
    def _show(self, key: str, summary: str, details: str) -> None:
        if key in self.seen:
            log.info("not shown again: %s", summary)
            return
        self.seen.add(key)
        show_error_dialog(self._parent, summary, details)
