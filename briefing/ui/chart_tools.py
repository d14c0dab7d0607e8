"""The chart panel's crosshair readout and image export (a mixin of `ChartPanel`)."""

from __future__ import annotations

from briefing.domain import ranges
from briefing.ui.chart_data import stamp


class ChartToolsMixin:
    """Crosshair with a readout of the bar under the mouse, and saving the chart as PNG or SVG."""

    # crosshair
    def _mouse_moved(self, pos) -> None:
        vb = self.plot.getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        self.show_readout_at(p.x(), p.y())

    def show_readout_at(self, x: float, y: float | None = None) -> str:
        """Move the crosshair to the bar nearest x and describe that bar; returns the text."""
        from briefing.ui.chart_items import fmt_num, latest, nearest

        data = self._data
        i = nearest(self._xs, x) if data is not None and data.series else None
        if i is None:
            self.readout.setText("")
            return ""
        first = data.series[0]
        self.cross_v.setValue(float(self._xs[i]))
        self.cross_v.setVisible(True)
        if y is not None:
            self.cross_h.setValue(y)
            self.cross_h.setVisible(True)
        lay = data.layout
        at = lay.ts_at(i, first)
        parts = [stamp(at, first.listing.timezone, data.time_display, ranges.is_intraday(data.range))]
        if data.normalised:
            x = float(self._xs[i])
            for s, trace in zip(data.series, lay.traces):
                # intraday: the series' last bar at or before that moment (its market may be closed)
                j = latest(trace.x, x) if data.indexed else nearest(trace.x, x)
                if j is not None and len(trace.y):
                    parts.append(f"{s.listing.symbol} {trace.y[j]:+.2f}%")
        else:
            col = lambda c: c[i] if i < len(c) else None  # noqa: E731
            parts += [f"O {fmt_num(col(first.open))}", f"H {fmt_num(col(first.high))}",
                      f"L {fmt_num(col(first.low))}", f"C {fmt_num(first.close[i])}",
                      f"Vol {fmt_num(col(first.volume))}"]
            if first.close[0]:
                parts.append(f"{(first.close[i] / first.close[0] - 1) * 100:+.2f}% since {data.range} start")
        text = "  ".join(parts)
        self.readout.setText(text)
        return text

    # export
    def export_image(self, path: str) -> None:
        """Save the chart (price and volume) as PNG or SVG, by the file's extension."""
        from PySide6.QtGui import QPainter

        target = self._stack.currentWidget()
        if str(path).lower().endswith(".svg"):
            from PySide6.QtCore import QPoint, QRect
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(target.size())
            gen.setViewBox(QRect(0, 0, target.width(), target.height()))
            gen.setTitle(self.title.text())
            painter = QPainter(gen)
            try:
                target.render(painter, QPoint(0, 0))
            finally:
                painter.end()
        elif not target.grab().save(str(path)):
            raise OSError(f"could not write {path}")

    def _ask_export(self, fmt: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, f"Save chart as {fmt}", f"chart.{fmt.lower()}", f"{fmt} (*.{fmt.lower()})")
        if path:
            self.export_image(path)
