"""Logging to a rotating file in the profile's log directory, and uncaught exceptions into it."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from briefing.paths import Paths

LOG_FILE = "briefing.log"


def log_file() -> Path | None:
    """The rotating log file `setup_logging` opened, if any (Help > Open log folder)."""
    for h in logging.getLogger().handlers:
        if getattr(h, "_briefing", False) and isinstance(h, logging.FileHandler):
            return Path(h.baseFilename)
    return None


def setup_logging(paths: Paths, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_briefing", False) for h in root.handlers):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            paths.log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        handler._briefing = True
        root.addHandler(handler)
    except OSError:
        pass  # an unwritable log dir must not stop the app; stderr still gets warnings
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("briefing: %(levelname)s: %(message)s"))
    console._briefing = True
    root.addHandler(console)

    def log_uncaught(exc_type, exc, tb):
        logging.getLogger("briefing").critical("uncaught exception", exc_info=(exc_type, exc, tb))

    sys.excepthook = log_uncaught
    threading.excepthook = lambda args: log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
