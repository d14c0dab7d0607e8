"""Up/down colours: green-up (Western) or red-up (as Chinese markets show it)."""

from __future__ import annotations

from PySide6.QtGui import QColor

GREEN, RED = QColor("#1a9c4a"), QColor("#d2323c")


def up_down(value: float | None, red_up: bool = False) -> QColor | None:
    if value is None or value == 0:
        return None
    up = value > 0
    return (RED if up else GREEN) if red_up else (GREEN if up else RED)
