"""Regenerate the README's screenshots: the whole window and each panel, light and dark, demo data.

    python docs/make_screenshots.py [--out docs/screenshots]

Runs offscreen on a fresh demo profile in a temporary directory (never the user's data), waits
until every panel has loaded and nothing is in flight, then saves `window-<theme>.png` and
`<panel>-<theme>.png` for the watchlist, chart, news and timeline panels.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
THEMES = ("light", "dark")


def wait_until_idle(app, window, timeout_s: float = 60.0) -> None:
    """Until the window has loaded and no read or store notification is pending for 300 ms."""
    from briefing.ui.screenshot import _busy

    def busy() -> bool:  # the first event study starts 1.5 s after the window: wait for it too
        timeline = window.timeline
        return _busy(window, None) or (timeline.selected_entry() is not None and timeline.study is None)

    deadline, quiet = time.monotonic() + timeout_s, 0
    while quiet < 30:
        if time.monotonic() > deadline:
            raise TimeoutError("the window was still loading")
        app.processEvents()
        quiet = 0 if busy() else quiet + 1
        time.sleep(0.01)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "screenshots")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from briefing.services.profile import open_profile, seed_demo_if_needed
    from briefing.ui.main_window import DEFAULT_SIZE, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    data = Path(tempfile.mkdtemp(prefix="briefing-screenshots-"))
    os.environ["BRIEFING_DATA_DIR"] = str(data)
    profile = open_profile(str(data), demo=True)
    seed_demo_if_needed(profile)
    settings = QSettings(str(profile.paths.ui_state_file), QSettings.Format.IniFormat)
    window = MainWindow(profile.store, settings, demo=True, snapshot_size=DEFAULT_SIZE)
    window.show()
    window.start()
    wait_until_idle(app, window)
    written = []
    for theme in THEMES:
        window.set_theme(theme)
        wait_until_idle(app, window)
        for _ in range(5):  # let the chart and the tables repaint in the new palette
            app.processEvents()
            time.sleep(0.05)
        shots = {"window": window, **{key: dock for key, dock in window.docks.items()}}
        for name, widget in shots.items():
            path = args.out / f"{name}-{theme}.png"
            if not widget.grab().save(str(path), "PNG"):
                print(f"could not write {path}", file=sys.stderr)
                return 1
            written.append(path)
    window.close()
    window.runner.shutdown()
    profile.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
