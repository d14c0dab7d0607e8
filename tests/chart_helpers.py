"""Helpers shared by the chart panel's tests."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from briefing.ui.chart_panel import ChartPanel


class ReloadCounter(ChartPanel):
    """A chart showing BIDU that counts reloads: no store needed, only its change filter runs."""

    def __init__(self) -> None:
        QWidget.__init__(self)
        self.symbols, self.reloads = ["BIDU"], 0

    def reload(self) -> None:
        self.reloads += 1
