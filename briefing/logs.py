"""Logging to a rotating file in the profile's log directory, and uncaught exceptions into it."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from pathlib import Path

from briefing.paths import Paths

LOG_FILE = "briefing.log"


def log_file() -> Path | None:
    """The rotating log file `setup_logging` opened, if any (Help > Open log folder)."""
    attach_log_file()
    for h in logging.getLogger().handlers:
        if getattr(h, "_briefing", False) and isinstance(h, logging.FileHandler):
            return Path(h.baseFilename)
    return None


class _EarlyRecords(logging.Handler):
    """Holds the records logged before the log file is opened (see `setup_logging(defer_file=True)`)."""

    LIMIT = 5000

    def __init__(self, paths: Paths) -> None:
        super().__init__(logging.DEBUG)
        self.paths = paths
        self.records: list[logging.LogRecord] = []
        self._briefing = True

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


def _open_file_handler(paths: Paths) -> logging.Handler | None:
    import logging.handlers  # ~15 ms of imports (socket, pickle...): not before the first frame

    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            paths.log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None  # an unwritable log dir must not stop the app; stderr still gets warnings
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler._briefing = True
    return handler


def attach_log_file() -> None:
    """Open the log file `setup_logging(defer_file=True)` put off, and write what was held back."""
    root = logging.getLogger()
    early = next((h for h in root.handlers if isinstance(h, _EarlyRecords)), None)
    if early is None:
        return
    root.removeHandler(early)
    handler = _open_file_handler(early.paths)
    if handler is not None:
        for record in early.records:
            handler.handle(record)
        root.addHandler(handler)


def setup_logging(paths: Paths, *, verbose: bool = False, defer_file: bool = False) -> None:
    """Log to the rotating file and warnings to stderr; log uncaught exceptions of every thread.

    `defer_file`: hold records in memory until `attach_log_file()` (the window calls it after its
    first frame; it also runs at exit), keeping the log handler's imports off the start-up path."""
    root = logging.getLogger()
    if any(getattr(h, "_briefing", False) for h in root.handlers):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if defer_file:
        root.addHandler(_EarlyRecords(paths))
        atexit.register(attach_log_file)
    else:
        handler = _open_file_handler(paths)
        if handler is not None:
            root.addHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("briefing: %(levelname)s: %(message)s"))
    console._briefing = True
    root.addHandler(console)

    def log_uncaught(exc_type, exc, tb):
        logging.getLogger("briefing").critical("uncaught exception", exc_info=(exc_type, exc, tb))
        attach_log_file()  # a crash before the first frame still reaches the file

    sys.excepthook = log_uncaught
    threading.excepthook = lambda args: log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
