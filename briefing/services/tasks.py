"""Run blocking work in a thread pool and hand the result or the error back on the GUI thread.

In the spirit of Picard's `run_task`: the caller never blocks, and an error is never lost: it
is logged with its traceback, then passed to the caller's `on_error` (which owns telling the
user), or, when there is none, announced through `TaskRunner.failed`, which the window shows.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, token: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner, self._token, self._fn = runner, token, fn

    def run(self) -> None:
        try:
            result, error = self._fn(), None
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never swallowed
            result, error = None, exc
            error.__briefing_traceback__ = traceback.format_exc()
        try:
            self._runner._finished.emit(self._token, result, error)
        except RuntimeError:  # the runner was deleted while we worked (app shutting down)
            pass


def _alive(callback: Callable | None) -> bool:
    """False when `callback` is a method of a Qt object whose C++ side has been deleted."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class TaskRunner(QObject):
    """Owns a thread pool; results come back through a queued signal to this (GUI-thread) object."""

    failed = Signal(str, str)  # what failed, the error in one line
    error = Signal(str, object)  # the same failure with the exception itself (after `failed`)
    idle = Signal()  # no task left in flight
    _finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._callbacks: dict[int, tuple[str, Callable | None, Callable | None]] = {}
        self._tokens = itertools.count(1)
        self._shut_down = False
        # Results are handed over one per pass of the event loop's timers: several that arrived
        # together, delivered back to back, ran as one block for every timer (event_turns.py).
        self._arrived: deque[tuple[int, Any, BaseException | None]] = deque()
        self._pacer = QTimer(self)
        self._pacer.setSingleShot(True)
        self._pacer.setInterval(0)
        self._pacer.timeout.connect(self._deliver_next)
        self._finished.connect(self._arrive, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], Any],
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        name: str = "",
    ) -> int:
        token = next(self._tokens)
        if self._shut_down:  # the window is closing and the cache may be closed already: start nothing
            log.debug("%s not started: the task runner is shut down", name or getattr(fn, "__qualname__", "task"))
            return token
        self._callbacks[token] = (name or getattr(fn, "__qualname__", "task"), on_result, on_error)
        self.pool.start(_Job(self, token, fn))
        return token

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    @Slot(int, object, object)
    def _arrive(self, token: int, result: Any, error: BaseException | None) -> None:
        self._arrived.append((token, result, error))
        if not self._pacer.isActive():
            self._pacer.start()

    def _deliver_next(self) -> None:
        if self._arrived:
            self._deliver(*self._arrived.popleft())
        if self._arrived:
            self._pacer.start()

    def _deliver(self, token: int, result: Any, error: BaseException | None) -> None:
        name, on_result, on_error = self._callbacks.pop(token, ("task", None, None))
        if not (_alive(on_result) and _alive(on_error)):  # its widget was closed while the task ran
            log.debug("%s finished after its receiver was deleted; result dropped", name)
            if not self._callbacks:
                self.idle.emit()
            return
        try:
            if error is None:
                if on_result is not None:
                    on_result(result)
            else:
                self._report(name, error, on_error)
        except Exception as exc:  # noqa: BLE001 - a failing callback is a bug worth showing
            exc.__briefing_traceback__ = traceback.format_exc()
            self._report(f"{name} (result handler)", exc, None)
        if not self._callbacks:
            self.idle.emit()

    def _report(self, name: str, error: BaseException, on_error: Callable | None) -> None:
        log.error("%s failed: %s\n%s", name, error, getattr(error, "__briefing_traceback__", ""))
        if on_error is not None:
            on_error(error)
        else:
            self.failed.emit(name, str(error) or type(error).__name__)
            self.error.emit(name, error)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop queued tasks and wait for running ones; callbacks no longer fire, and later `run`
        calls (a store notification arriving while the window closes) start nothing."""
        self._shut_down = True
        self.pool.clear()
        self._callbacks.clear()
        self._arrived.clear()
        return self.pool.waitForDone(timeout_ms)
