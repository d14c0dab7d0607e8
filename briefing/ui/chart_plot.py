"""Building the chart panel's pyqtgraph plots, and their colours (a mixin of `ChartPanel`).

Built after the window's first paint (pyqtgraph is imported on a worker meanwhile), the price
plot and the volume pane in separate turns of the event loop; they follow light/dark switches.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget


class ChartPlotMixin:
    """The price plot with its items (candles, lines, crosshair, event marks) and the volume pane."""

    _axes = None  # made by the first step of `plot_steps`
    _unplaced_plot = None  # the plot widget between the second and third steps

    def build_plot(self, volume: bool = True) -> None:
        """Create the plot (imports pyqtgraph) at once; `volume`: the volume pane too. The window
        builds it over turns of the event loop instead (`plot_steps`)."""
        for step in self.plot_steps(volume):
            step()

    def plot_steps(self, volume: bool = True) -> list[Callable[[], None]]:
        """The plot's construction as steps for separate turns of the event loop, ~10-25 ms each
        idle (built in one, it was start-up's longest stall): the axes; the widget; its items, put
        in place; the volume pane. Until the third step, `plot` is None."""
        if self.plot is not None:
            return []
        return [self._make_axes, self._make_plot_widget, self._fill_plot] + ([self.build_volume] if volume else [])

    def _make_axes(self) -> None:
        if self._axes is not None:
            return
        import pyqtgraph as pg

        from briefing.ui.chart_axes import ExchangeTimeAxis, GridAxis

        pg.setConfigOptions(antialias=True, background=None, foreground=self.palette().text().color())
        self.axis = ExchangeTimeAxis(orientation="bottom")
        self._axes = {"bottom": self.axis, "left": GridAxis(orientation="left")}

    def _make_plot_widget(self) -> None:
        if self.plot is not None or self._unplaced_plot is not None:
            return
        import pyqtgraph as pg

        self._make_axes()
        plot = pg.PlotWidget(axisItems=self._axes)
        plot.setObjectName("chartPlot")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.getAxis("left").setStyle(maxTickLevel=1)  # no third level of faint lines: ~30 fewer to draw
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        self._unplaced_plot = plot

    def _fill_plot(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        from briefing.ui.chart_items import CandleItem, EventLines

        self._make_plot_widget()
        self.plot, self._unplaced_plot = self._unplaced_plot, None
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor=self.palette().text().color())
        self._follow_background()
        self.candle_item = CandleItem()
        self.plot.addItem(self.candle_item)
        dash = pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DashLine)
        self.prev_close_line = pg.InfiniteLine(angle=0, movable=False, pen=dash,
                                               label="prev close {value:.2f}",  # left-aligned: stays in view
                                               labelOpts={"position": 0.01, "anchors": [(0, 1), (0, 1)]})
        self.plot.addItem(self.prev_close_line, ignoreBounds=True)
        self.prev_close_line.setVisible(False)
        self.event_lines = EventLines(pg.mkPen("#9e9e9e", width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.event_lines, ignoreBounds=True)
        self.hot_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d2323c", width=2), label="",
                                        labelOpts={"position": 0.92, "color": "#d2323c"})
        self.hot_line.setAcceptHoverEvents(True)
        self.hot_line.setVisible(False)
        self.plot.addItem(self.hot_line)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#808080"))
        self.cross_h = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#808080"))
        for line in (self.cross_v, self.cross_h):
            line.setVisible(False)
            self.plot.addItem(line, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        for fmt in ("PNG", "SVG"):
            act = self.plot.getViewBox().menu.addAction(f"Save chart as {fmt}…")
            act.triggered.connect(lambda _=False, f=fmt: self._ask_export(f))
        self._plot_host = host = QWidget(self)
        col = QVBoxLayout(host)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.plot, 1)
        self._stack.addWidget(host)
        self._stack.setCurrentWidget(host)
        if self._data is not None:
            self._draw(self._data)

    def build_volume(self) -> None:
        """The volume pane under the plot: a second pyqtgraph plot, so a turn of the event loop of
        its own at start-up (each took ~25 ms idle, more while workers run)."""
        if self.volume_plot is not None or self.plot is None:
            return
        import pyqtgraph as pg

        from briefing.ui.chart_axes import VolumeAxis

        self.volume_plot = pg.PlotWidget(axisItems={"left": VolumeAxis(orientation="left")})
        self.volume_plot.setObjectName("chartVolume")
        self.volume_plot.setMaximumHeight(90)
        self.volume_plot.hideAxis("bottom")
        self.volume_plot.setMouseEnabled(x=False, y=False)
        self.volume_plot.getAxis("left").setWidth(self.plot.getAxis("left").width())
        self.volume_plot.setVisible(False)  # linked to the price plot's x while shown (`_draw_volume`)
        self.volume_plot.setBackground(self.palette().window().color())
        # no outlines: on narrow bars they turned the volume pane black
        self.volume_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush="#8a9bb0", pen=None)
        self.volume_plot.addItem(self.volume_bars)
        self._plot_host.layout().addWidget(self.volume_plot)
        if self._data is not None:
            self._draw_volume(self._data, self._volume_series(self._data))

    def changeEvent(self, event) -> None:
        """Follow a light/dark theme switch: axes and labels take the palette's text colour."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self.plot:
            ink = self.palette().text().color()
            for plot in (p for p in (self.plot, self.volume_plot) if p is not None):
                for side in ("left", "bottom"):
                    plot.getAxis(side).setPen(ink)
                    plot.getAxis(side).setTextPen(ink)
            self.legend.setLabelTextColor(ink)
            for _sample, label in self.legend.items:  # pyqtgraph re-renders a label only on setText
                label.setText(label.text)
            self._follow_background()

    def _follow_background(self) -> None:
        """What shows through the (transparent) plot is the window colour: the grid is mixed with
        it, and the legend sits on a veil of it so grid and event lines do not cross its text."""
        window = self.palette().window().color()
        # Painted explicitly: pyqtgraph's view has a style sheet, so it keeps the palette it was
        # polished with and a runtime theme switch left a light plot under dark axes.
        for plot in (self.plot, self.volume_plot):
            if plot is not None:
                plot.setBackground(window)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).set_background(window)
        veil = QColor(window)
        veil.setAlpha(215)
        self.legend.setBrush(veil)
