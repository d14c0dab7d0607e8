"""Light and dark themes: follow the system by default, or the user's choice (View > Theme).

Qt's own colour-scheme switch depends on the platform plugin (it does nothing offscreen or on
many X11 desktops), so the app sets the Fusion palette itself and tells the platform too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 37, 38), QColor(30, 30, 30), QColor(220, 220, 220)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor(45, 45, 48),
        QPalette.ColorRole.ToolTipBase: QColor(50, 50, 52), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: QColor(45, 45, 48),
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Link: QColor(90, 160, 255), QPalette.ColorRole.Highlight: QColor(38, 110, 200),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return p


def system_prefers_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


# Given to QApplication by app.py: Fusion from the start, so the first `apply_theme` need not make a
# style object in Python (PySide builds Python enums for it on first touch: ~12 ms before the frame).
STYLE_ARGS = ["-style", "Fusion"]
STYLE_FROM_ARGS = "briefing_fusion_from_args"  # application property app.py sets with STYLE_ARGS


def apply_theme(name: str) -> str:
    """Apply `name` (system | light | dark) and return the one applied."""
    name = name if name in THEMES else "system"
    app = QApplication.instance()
    hints = QGuiApplication.styleHints()
    hints.setColorScheme({"system": Qt.ColorScheme.Unknown, "light": Qt.ColorScheme.Light,
                          "dark": Qt.ColorScheme.Dark}[name])
    dark = name == "dark" or (name == "system" and system_prefers_dark())
    untouched = bool(app.property(STYLE_FROM_ARGS)) and not app.property("briefing_palette_set")
    if untouched and name == "system" and not dark:
        pass  # Fusion with the platform's own palette already: nothing to change
    else:
        style = app.setStyle("Fusion")
        app.setPalette(dark_palette() if dark else style.standardPalette())
        app.setProperty("briefing_palette_set", True)  # from now on every switch sets the palette
    app.setProperty("briefing_dark", dark)
    return name


def is_dark() -> bool:
    app = QApplication.instance()
    return bool(app and app.property("briefing_dark"))
