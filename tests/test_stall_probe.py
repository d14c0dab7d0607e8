"""The GUI-stall log (`BRIEFING_STALL_LOG`): a block of the GUI thread that we inject ourselves shows up
in the file. Nothing here asserts that the machine is fast: only that a deliberate 200 ms block is seen."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QTimer

import briefing.app
from briefing.ui.stall_probe import ENV_VAR, STALL_MS, StallProbe


def test_a_blocked_gui_thread_is_reported(qtbot, tmp_path):
    out = tmp_path / "stall.json"
    probe = StallProbe(out, write_every_ms=100)
    try:
        qtbot.wait(100)
        QTimer.singleShot(50, lambda: time.sleep(0.2))
        qtbot.wait(600)
        data = json.loads(out.read_text())
    finally:
        probe._on_quit()
        probe.deleteLater()

    assert data["max_ms"] >= 150
    assert data["over_stall"] >= 1 and data["stall_ms"] == STALL_MS
    assert data["beats"] > 0 and not data["final"]
    worst = data["worst"][0]
    assert worst["ms"] >= 150 and 0 <= worst["at_s"] <= data["seconds"]
    assert abs(data["started_unix"] - time.time()) < 60
    assert max(ms for _sec, ms in data["per_second_max_ms"]) == data["max_ms"]
    assert 1 <= len(data["per_second_max_ms"]) <= 10
    assert not list(tmp_path.glob("*.tmp")), "the temp file is renamed over the log"


def test_the_final_write_at_quit(qtbot, tmp_path):
    out = tmp_path / "stall.json"
    probe = StallProbe(out)
    qtbot.wait(50)
    probe._on_quit()  # what QCoreApplication.aboutToQuit calls
    probe.deleteLater()
    data = json.loads(out.read_text())
    assert data["final"] and len(data["worst"]) <= 20


def test_app_wires_it_by_the_same_variable():
    source = Path(briefing.app.__file__).read_text()
    assert f'os.environ.get("{ENV_VAR}")' in source
    assert "import StallProbe" in source.split(ENV_VAR, 1)[1]  # imported only under the check
