"""The log file: opened at once for commands, after the first frame for the window, nothing lost."""

from __future__ import annotations

import logging
import subprocess
import sys

from briefing import logs
from briefing.paths import Paths


def paths(tmp_path) -> Paths:
    return Paths(tmp_path / "data", tmp_path / "cache", tmp_path / "logs")


def test_deferred_file_gets_the_records_logged_before_it_opened(root_logger, tmp_path):
    logs.setup_logging(paths(tmp_path), defer_file=True)
    logging.getLogger("briefing.test").info("opened the cache before the first frame")
    log = tmp_path / "logs" / logs.LOG_FILE
    assert not log.exists()  # nothing opened yet
    logs.attach_log_file()
    logging.getLogger("briefing.test").info("after the first frame")
    for h in root_logger.handlers:
        h.flush()
    text = log.read_text(encoding="utf-8")
    assert text.index("opened the cache before the first frame") < text.index("after the first frame")
    assert logs.log_file() == log


def test_an_uncaught_exception_before_the_file_opened_still_reaches_it(root_logger, tmp_path):
    logs.setup_logging(paths(tmp_path), defer_file=True)
    try:
        raise RuntimeError("broke while starting")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    for h in root_logger.handlers:
        h.flush()
    text = (tmp_path / "logs" / logs.LOG_FILE).read_text(encoding="utf-8")
    assert "uncaught exception" in text and "broke while starting" in text


def test_commands_open_the_file_at_once(root_logger, tmp_path):
    logs.setup_logging(paths(tmp_path))
    assert (tmp_path / "logs" / logs.LOG_FILE).exists()


def test_deferring_keeps_the_handler_imports_off_the_start(tmp_path):
    code = ("import sys, logging; from pathlib import Path; from briefing import logs; from briefing.paths import Paths; "
            f"d = Path({str(tmp_path)!r}); logs.setup_logging(Paths(d, d, d / 'logs'), defer_file=True); "
            "logging.getLogger('x').warning('held'); print('logging.handlers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert "held" in (tmp_path / "logs" / logs.LOG_FILE).read_text(encoding="utf-8")  # written at exit
