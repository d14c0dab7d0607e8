"""The settings dialog (generated from the preferences), Help > Keyboard shortcuts, the log folder."""

from __future__ import annotations


import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialogButtonBox, QDoubleSpinBox, QLineEdit, QSpinBox

from briefing.domain import preferences as prefs
from briefing.domain.preferences import OPTIONS, Preferences
from briefing.ui import settings_dialog
from briefing.ui.settings_dialog import SettingsDialog


@pytest.fixture
def dialog(qtbot, store, tmp_path):
    d = SettingsDialog(Preferences.of(store), data_dir=tmp_path, watchlists=["AI leaders", "HK"],
                       open_alerts=lambda: None)
    qtbot.addWidget(d)
    return d


def test_one_editor_per_option_typed_with_bounds_and_help(dialog):
    assert set(dialog.editors) == {o.key for o in OPTIONS}
    kinds = {bool: QCheckBox, int: QSpinBox, float: QDoubleSpinBox, str: QComboBox}
    for o in OPTIONS:
        editor = dialog.editors[o.key]
        kind = kinds[o.type] if o.choices or o.type is not str or o.key == prefs.DEFAULT_WATCHLIST else QLineEdit
        assert isinstance(editor, kind), o.key
        assert editor.toolTip() == o.help
        if o.minimum is not None:
            assert editor.minimum() == o.minimum
    watchlists = dialog.editors[prefs.DEFAULT_WATCHLIST]
    assert [watchlists.itemData(i) for i in range(watchlists.count())] == ["", "AI leaders", "HK"]
    assert dialog.values() == {o.key: o.default for o in OPTIONS}  # defaults shown for a fresh cache


def test_round_trip_through_the_dialog(qtbot, dialog, store, tmp_path):
    dialog.editors[prefs.QUOTE_INTERVAL].setValue(45)
    dialog.editors[prefs.REQUESTS_PER_MINUTE].setValue(30)
    combo = dialog.editors[prefs.UP_COLOURS]
    combo.setCurrentIndex(combo.findData("red-up"))
    combo = dialog.editors[prefs.TIMEZONE_DISPLAY]
    combo.setCurrentIndex(combo.findData("both"))
    dialog.editors[prefs.TRAY_NOTIFICATIONS].setChecked(False)
    with qtbot.waitSignal(dialog.applied) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocker.args[0] == {prefs.QUOTE_INTERVAL: 45.0, prefs.REQUESTS_PER_MINUTE: 30,
                               prefs.UP_COLOURS: "red-up", prefs.TIMEZONE_DISPLAY: "both",
                               prefs.TRAY_NOTIFICATIONS: False}
    p = Preferences.of(store)
    assert p.get(prefs.QUOTE_INTERVAL) == 45.0 and p.get(prefs.UP_COLOURS) == "red-up"
    again = SettingsDialog(p, data_dir=tmp_path)
    qtbot.addWidget(again)
    assert again.value(prefs.TIMEZONE_DISPLAY) == "both"
    assert again.value(prefs.TRAY_NOTIFICATIONS) is False
    again.restore_defaults()
    again.accept()
    assert Preferences.of(store).values() == {o.key: o.default for o in OPTIONS}


def test_a_bad_value_is_explained_and_not_stored(dialog, store, monkeypatch):
    warned = []
    monkeypatch.setattr(settings_dialog.QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog.editors[prefs.PRICE_MOVE_SYMBOLS].setText("9988.HK=three")
    dialog.editors[prefs.NEWS_RETENTION].setValue(10)
    dialog.accept()
    assert dialog.isVisible() or dialog.result() == 0
    assert warned and "Per-symbol thresholds" in warned[0]
    assert store.settings.get(prefs.NEWS_RETENTION) is None
    dialog.editors[prefs.PRICE_MOVE_SYMBOLS].setText("9988.HK=3, bidu=4.5")
    dialog.accept()
    assert Preferences.of(store).get(prefs.PRICE_MOVE_SYMBOLS) == "9988.HK=3, bidu=4.5"


def test_cancel_stores_nothing(dialog, store):
    dialog.editors[prefs.NEWS_RETENTION].setValue(10)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert store.settings.get(prefs.NEWS_RETENTION) is None


def test_data_directory_read_only_with_open_folder(dialog, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(settings_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert dialog.data_dir_field.isReadOnly() and dialog.data_dir_field.text() == str(tmp_path)
    dialog.open_data_button.click()
    assert [u.toLocalFile() for u in opened] == [str(tmp_path)]


def test_tab_order_follows_the_form(dialog):
    order, w = [], dialog.editors[OPTIONS[0].key]
    for _ in range(len(OPTIONS) * 4):  # spin boxes put their line edit in the chain too
        if w not in order:
            order.append(w)
        w = w.nextInFocusChain()
        while w.focusPolicy() == Qt.FocusPolicy.NoFocus or not w.isEnabled():
            w = w.nextInFocusChain()
    shown = [x for x in order if x in dialog.editors.values()]
    expected = [dialog.editors[o.key] for section, opts in prefs.sections() for o in opts]
    assert shown == expected
    assert order.index(dialog.alerts_button) > order.index(dialog.editors[prefs.TRAY_NOTIFICATIONS])


@pytest.fixture
def window(qtbot, store, tmp_path):
    from briefing.ui.main_window import MainWindow

    w = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    yield w
    w.runner.shutdown()
    w.close()  # detaches from the store before the store fixture closes it


def test_window_opens_settings_with_ctrl_comma_and_applies_theme(qtbot, window, store):
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    window.settings_action.trigger()
    d = window.settings_dialog
    assert d.value(prefs.THEME) == "system"
    combo = d.editors[prefs.THEME]
    combo.setCurrentIndex(combo.findData("dark"))
    d.accept()
    assert window.settings.value("ui/theme") == "dark" and window.theme_actions["dark"].isChecked()
    assert Preferences.of(store).get(prefs.THEME) == "dark"
    window.set_theme("light")
    qtbot.waitUntil(lambda: Preferences.of(store).get(prefs.THEME) == "light", timeout=5000)


def test_export_dialog_starts_from_briefing_preferences(qtbot, window, store):
    Preferences.of(store).update({prefs.BRIEFING_FORMAT: "md", prefs.BRIEFING_NEWS_PER_COMPANY: 9})
    with qtbot.waitSignal(window.runner.idle, timeout=5000):  # its watchlists are read in a worker
        d = window.show_export_dialog()
    assert d.format.currentData() == "md" and d.news.value() == 9
    d.close()


def test_keyboard_shortcuts_dialog_lists_every_action_with_a_shortcut(qtbot, window):
    from PySide6.QtGui import QAction

    window.shortcuts_action.trigger()
    d = window.shortcuts_dialog
    listed = {(action, keys) for _, action, keys in d.rows}
    assert ("Settings", "Ctrl+,") in listed and ("Export daily briefing", "Ctrl+E") in listed
    assert ("Watchlist", "Ctrl+1") in listed and ("Keyboard shortcuts", "Ctrl+/") in listed
    assert ("Quit", "Ctrl+Q") in listed
    every = {a.shortcut().toString() for a in window.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert every <= {keys for _, _, keys in d.rows}
    assert d.table.rowCount() == len(d.rows)


def test_icon_only_buttons_have_tooltips(qtbot, window):
    from PySide6.QtWidgets import QAbstractButton

    window.show()
    qtbot.waitExposed(window)
    icon_only = [b for b in window.findChildren(QAbstractButton)
                 if b.isVisible() and not b.text().strip() and not b.icon().isNull()]
    assert len(icon_only) >= 8  # the docks' float and close buttons at least
    for button in icon_only:
        assert button.toolTip(), button.objectName()


def test_help_open_log_folder(window, tmp_path, monkeypatch, root_logger):
    from briefing import logs
    from briefing.paths import Paths

    opened = []
    monkeypatch.setattr(settings_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert not window.open_log_folder()  # no log yet: said so, nothing opened
    logs.setup_logging(Paths(tmp_path / "d", tmp_path / "c", tmp_path / "logs"))
    assert window.open_log_folder()
    assert [u.toLocalFile() for u in opened] == [str(tmp_path / "logs")]


def test_quick_theme_switches_leave_the_last_choice_stored(qtbot, window, store, monkeypatch):
    """The writes run in a pool of threads: the first choice's write is held until the second's
    is done (at most 2 s), as a busy pool may order them; the last choice is what stays."""
    import threading

    writes, second_written = [], threading.Event()
    real = Preferences.set

    def held_set(self, key, value):
        if key != prefs.THEME:
            return real(self, key, value)
        n = len(writes)
        writes.append(value)
        if n == 0:
            second_written.wait(2)
        real(self, key, value)
        if n == 1:
            second_written.set()

    monkeypatch.setattr(Preferences, "set", held_set)
    window.set_theme("dark")
    window.set_theme("light")
    assert window.runner.pool.waitForDone(10000)
    assert Preferences.of(store).get(prefs.THEME) == "light" and window.settings.value("ui/theme") == "light"
