"""The export dialog: preview, export off the GUI thread with progress, open file/folder, and the
last choices remembered; File > Export daily briefing (Ctrl+E) opens it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QSettings, QUrl

from briefing.services.tasks import TaskRunner
from briefing.ui.export_dialog import ExportDialog
from test_export_helpers import GOLDEN_NOW, demo_cache_file, demo_store  # noqa: F401


@pytest.fixture
def runner(qapp):
    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)


def make_dialog(qtbot, demo_store, settings, runner):
    dialog = ExportDialog(demo_store, settings, runner, now=lambda: GOLDEN_NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.preview_shown, timeout=30000):
        dialog.show()
    return dialog


def test_preview_then_export_pdf_off_the_gui_thread(qtbot, demo_store, settings, runner, tmp_path, monkeypatch):
    dialog = make_dialog(qtbot, demo_store, settings, runner)
    assert dialog.watchlist.currentData() == "China AI"  # the pinned list by default
    assert "DEMO DATA" in dialog.preview.toPlainText() and "Market" in dialog.preview.toPlainText()
    dialog.day.setDate(QDate(2026, 1, 15))
    dialog.folder.setText(str(tmp_path / "briefings"))
    steps = []
    dialog.progress.valueChanged.connect(steps.append)
    with qtbot.waitSignal(dialog.exported, timeout=60000) as done:
        dialog.start_export()
        assert not dialog.export_button.isEnabled()
    result = done.args[0]
    assert result.path == tmp_path / "briefings" / "briefing-2026-01-15-china-ai.pdf"
    assert result.path.read_bytes().startswith(b"%PDF-")
    assert steps[0] == 5 and steps[-1] == 100 and len(set(steps)) >= 5  # reading, 5 charts, writing, done
    assert dialog.open_file_button.isEnabled() and dialog.open_folder_button.isEnabled()
    assert dialog.status.text().startswith(f"Wrote {result.path}")

    opened = []
    monkeypatch.setattr("briefing.ui.export_dialog.QDesktopServices.openUrl", lambda url: opened.append(url))
    dialog.open_file()
    dialog.open_folder()
    assert opened == [QUrl.fromLocalFile(str(result.path)), QUrl.fromLocalFile(str(result.path.parent))]


def test_last_choices_are_remembered(qtbot, demo_store, settings, runner, tmp_path):
    first = make_dialog(qtbot, demo_store, settings, runner)
    first.format.setCurrentIndex(first.format.findData("md"))
    first.page_size.setCurrentIndex(first.page_size.findData("letter"))
    first.watchlist.setCurrentIndex(first.watchlist.findData("US ADRs"))
    first.news.setValue(5)
    first.folder.setText(str(tmp_path / "md"))
    first.day.setDate(QDate(2026, 1, 15))
    with qtbot.waitSignal(first.exported, timeout=60000) as done:
        first.start_export()
    assert done.args[0].path == tmp_path / "md" / "briefing-2026-01-15-us-adrs.md"
    assert (tmp_path / "md" / "briefing-2026-01-15-us-adrs_files" / "compare.png").exists()
    first.close()

    again = make_dialog(qtbot, demo_store, settings, runner)
    assert again.chosen_format() == "md" and again.page_size.currentData() == "letter"
    assert again.watchlist.currentData() == "US ADRs" and again.news.value() == 5
    assert again.folder.text() == str(tmp_path / "md")
    assert not again.page_size.isEnabled()  # only PDF has pages


def test_an_unwritable_folder_is_reported_and_the_dialog_stays_usable(qtbot, demo_store, settings, runner, tmp_path):
    (tmp_path / "a-file").write_text("x")
    dialog = make_dialog(qtbot, demo_store, settings, runner)
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.folder.setText(str(tmp_path / "a-file"))
    with qtbot.waitSignal(dialog.failed, timeout=30000) as failed:
        dialog.start_export()
    assert "a part of the path is a file, not a folder" in failed.args[0]
    assert dialog.status.text().startswith("Could not export: cannot write")
    assert dialog.export_button.isEnabled() and not dialog.open_file_button.isEnabled()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform
def test_file_menu_action_opens_the_dialog(qtbot, store, tmp_path):
    from briefing.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    try:
        assert window.export_action.isEnabled()
        assert window.export_action.shortcut().toString() == "Ctrl+E"
        window.export_action.trigger()
        dialog = window.export_dialog
        assert isinstance(dialog, ExportDialog) and dialog.isVisible()
        qtbot.waitSignal(dialog.preview_shown, timeout=30000).wait()
        assert window.show_export_dialog() is dialog  # a second Ctrl+E raises the open one
        dialog.close()
    finally:
        window.runner.shutdown()
