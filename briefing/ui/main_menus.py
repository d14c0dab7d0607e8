"""The main window's menu bar: File (export, settings, quit), View (panels, theme, full screen),
Help (shortcuts, log folder, about). The actions call the window's methods; the window keeps
the actions others reach (`export_action`, `settings_action`, `theme_actions`...)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from briefing import APP_NAME
from briefing.ui import theme


def build_menus(window) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.export_action = QAction("&Export daily briefing…", window)
    window.export_action.setShortcut(QKeySequence("Ctrl+E"))
    window.export_action.setToolTip("Write the day's briefing as PDF, HTML, Markdown or CSV")
    window.export_action.triggered.connect(window.show_export_dialog)
    file_menu.addAction(window.export_action)
    window.settings_action = QAction("&Settings…", window)
    window.settings_action.setShortcut(QKeySequence("Ctrl+,"))
    window.settings_action.setToolTip("Refresh intervals, colours, theme, news retention, briefing defaults")
    window.settings_action.triggered.connect(window.show_settings_dialog)
    file_menu.addAction(window.settings_action)
    file_menu.addSeparator()
    quit_action = QAction("&Quit", window)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    if quit_action.shortcut().isEmpty():  # some platforms (offscreen, a few desktops) bind none
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    quit_action.triggered.connect(window.close)
    file_menu.addAction(quit_action)

    view_menu = bar.addMenu("&View")
    for dock in window.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    theme_menu = view_menu.addMenu("T&heme")
    group = QActionGroup(window)
    current = window.settings.value("ui/theme", "system")
    window.theme_actions: dict[str, QAction] = {}
    for name in theme.THEMES:
        act = QAction(name.capitalize(), window, checkable=True)
        act.setChecked(name == current)
        act.triggered.connect(lambda _=False, n=name: window.set_theme(n))
        group.addAction(act)
        theme_menu.addAction(act)
        window.theme_actions[name] = act
    full = QAction("&Full screen", window, checkable=True)
    full.setShortcut(QKeySequence.StandardKey.FullScreen)
    full.triggered.connect(lambda on: window.showFullScreen() if on else window.showNormal())
    view_menu.addAction(full)

    help_menu = bar.addMenu("&Help")
    window.shortcuts_action = QAction("&Keyboard shortcuts", window)
    window.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
    window.shortcuts_action.triggered.connect(window.show_shortcuts)
    help_menu.addAction(window.shortcuts_action)
    window.log_folder_action = QAction("Open &log folder", window)
    window.log_folder_action.setToolTip("The log file to attach to a bug report")
    window.log_folder_action.triggered.connect(window.open_log_folder)
    help_menu.addAction(window.log_folder_action)
    help_menu.addSeparator()
    about = QAction(f"&About {APP_NAME}", window)
    about.triggered.connect(window.show_about)
    help_menu.addAction(about)
