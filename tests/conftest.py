"""Test isolation: every user directory points into a temp folder; Qt renders offscreen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before anything imports Qt: with no display and no platform, Qt aborts the whole process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """HOME, XDG dirs and our data dir live in a temp folder, so no test touches the real home."""
    root = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(root))
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(root / var.lower()))
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(root / "briefing-data"))
    yield root


@pytest.fixture
def data_dir(isolated_dirs) -> Path:
    return Path(os.environ["BRIEFING_DATA_DIR"])


@pytest.fixture
def store(tmp_path):
    """A fresh cache with the bundled registry, events and default watchlist."""
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    s = Store.open(tmp_path / "cache.sqlite3")
    prepare(s)
    yield s
    s.close()


@pytest.fixture
def shared_data() -> Path:
    """The shared real-world test files; tests that need them skip cleanly when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def chart(qtbot, store):
    """A chart panel over the test store, shown and with its plot built."""
    from briefing.services.tasks import TaskRunner
    from briefing.ui.chart_panel import ChartPanel

    runner = TaskRunner()
    panel = ChartPanel(store, runner)
    qtbot.addWidget(panel)
    panel.resize(700, 450)
    panel.show()
    panel.build_plot()
    yield panel
    runner.shutdown()


@pytest.fixture
def root_logger():
    """The root logger with the app's handlers and exception hooks put back as they were after."""
    import logging
    import sys
    import threading

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    hooks = sys.excepthook, threading.excepthook
    earlier = [h for h in before if getattr(h, "_briefing", False)]  # left by another test's app run
    for h in earlier:
        root.removeHandler(h)
    yield root
    sys.excepthook, threading.excepthook = hooks
    for h in root.handlers[:]:
        if h not in before:
            root.removeHandler(h)
            h.close()
    for h in earlier:
        root.addHandler(h)
    root.setLevel(level)


def pytest_report_header(config):
    return f"python {sys.version.split()[0]}, QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}"


@pytest.fixture(autouse=True)
def error_dialogs(monkeypatch):
    """The error dialog is modal: record what it would show instead of blocking the test run."""
    shown: list[tuple[str, str]] = []
    try:
        from briefing.ui import error_reporter
    except ImportError:  # no Qt: nothing can show one
        yield shown
        return
    monkeypatch.setattr(error_reporter, "show_error_dialog",
                        lambda parent, summary, details: shown.append((summary, details)))
    yield shown
