"""Draw a price chart from plain data: into the app's plot, or headless into a PNG.

The chart description (`ChartSpec`: lines, event markers, a watermark) is plain Python with no Qt,
so the briefing exporter can build it off the GUI thread and test it without a display; Qt and
pyqtgraph are imported only by the functions that draw. `draw(plot_item, spec)` fills any
pyqtgraph `PlotItem` (the chart panel can use it on its own widget), `render_png(spec)` draws the
same thing offscreen for the briefing.

Rendering needs a `QApplication` and the GUI thread (pyqtgraph items are widgets' kin); with no
display set `QT_QPA_PLATFORM=offscreen` before Qt starts. Nothing here changes pyqtgraph's global
configuration: colours are given to each item, so the app's own chart keeps its theme.
"""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#2f6fdf", "#e07b00", "#1a9c4a", "#c2185b", "#6a4fb3", "#00838f", "#8d6e63", "#546e7a")
INK, GRID, MARKER, WATERMARK = "#333333", "#d0d0d0", "#8a8a8a", "#d2323c"


@dataclass(frozen=True)
class ChartLine:
    """One series: x in UTC seconds, y in the chart's unit."""

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    color: str = ""  # "" takes the palette colour of the line's position


@dataclass(frozen=True)
class ChartMarker:
    """A vertical event line at `x` (UTC seconds) with a short label such as "3"."""

    x: float
    label: str
    tooltip: str = ""
    highlight: bool = False


@dataclass(frozen=True)
class ChartSpec:
    """Everything a chart shows; sizes are logical pixels (PNG pixels = size x scale)."""

    title: str
    lines: tuple[ChartLine, ...]
    markers: tuple[ChartMarker, ...] = ()
    y_label: str = "%"
    zero_line: bool = True
    watermark: str = ""  # e.g. "DEMO DATA": beside the title, else in the plot's top right corner
    show_title: bool = False  # draw `title` above the plot (a standalone image needs it)
    width: int = 440
    height: int = 220

    @property
    def is_empty(self) -> bool:
        return not any(line.xs for line in self.lines)


def line_color(spec: ChartSpec, index: int) -> str:
    line = spec.lines[index]
    return line.color or PALETTE[index % len(PALETTE)]


def draw(plot, spec: ChartSpec, *, ink: str = INK, font_pt: float = 7.5) -> None:
    """Draw `spec` on a pyqtgraph `PlotItem` (cleared first): lines, legend, markers, watermark."""
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont

    plot.clear()
    if spec.show_title:  # a standalone image: the title, and the watermark beside it, off the data
        mark = f' <span style="color: {WATERMARK}">· {spec.watermark}</span>' if spec.watermark else ""
        plot.setTitle(f"{spec.title}{mark}", color=ink, size=f"{font_pt + 1.5}pt", bold=True)
    else:
        plot.setTitle(None)
    font = QFont()
    font.setPointSizeF(font_pt)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(ink, width=1))
        axis.setTextPen(pg.mkPen(ink))
        axis.setStyle(tickFont=font, tickLength=-4)
    plot.getAxis("left").setWidth(40)
    plot.showGrid(x=True, y=True, alpha=0.18)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    if plot.legend is None:
        plot.addLegend(offset=(4, 2), labelTextColor=ink, labelTextSize=f"{font_pt}pt",
                       brush=pg.mkBrush(255, 255, 255, 210), verSpacing=-6)
    legend = plot.legend
    legend.clear()
    if spec.zero_line:
        plot.addItem(pg.InfiniteLine(pos=0, angle=0, movable=False, pen=pg.mkPen(GRID, width=1)))
    for i, line in enumerate(spec.lines):
        if not line.xs:
            continue
        curve = pg.PlotDataItem(list(line.xs), list(line.ys), pen=pg.mkPen(line_color(spec, i), width=1.6),
                                antialias=True, name=line.label)
        plot.addItem(curve)
    for m in spec.markers:
        color = WATERMARK if m.highlight else MARKER
        marker = pg.InfiniteLine(
            pos=m.x, angle=90, movable=False,
            pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine),
            label=m.label or None,
            labelOpts={"position": 0.03, "color": color, "anchors": [(0.5, 1), (0.5, 1)]},
        )
        if m.label and marker.label is not None:
            marker.label.setFont(font)
        if m.tooltip:
            marker.setToolTip(m.tooltip)
        plot.addItem(marker)
    if spec.watermark and not spec.show_title:
        text = pg.TextItem(spec.watermark, color=WATERMARK, anchor=(1, 0))
        bold = QFont(font)
        bold.setBold(True)
        text.setFont(bold)
        text.setParentItem(plot.vb)  # fixed in the view's top right corner, whatever the range or size
        text.setPos(plot.vb.width() - 2, 0)
        plot.vb.sigResized.connect(lambda vb, t=text: t.setPos(vb.width() - 2, 0))
    plot.enableAutoRange()


def date_axis():
    """A UTC date axis on which a month's label never collides with a day's ("Jan02")."""
    import pyqtgraph as pg

    class DateAxis(pg.DateAxisItem):
        def tickValues(self, minVal, maxVal, size):
            levels = super().tickValues(minVal, maxVal, size)
            out, taken = [], []
            for spacing, values in levels:  # coarse to fine: a finer tick too close to a coarser one goes
                gaps = [b - a for a, b in zip(values, values[1:])]
                step = min(gaps) if gaps else spacing
                kept = [v for v in values if all(abs(v - t) >= 0.6 * step for t in taken)]
                taken += kept
                out.append((spacing, kept))
            return out

    return DateAxis(orientation="bottom", utcOffset=0)


def unit_axis(unit: str):
    """A left axis whose labels carry the unit ("5%"), so a standalone image says what it shows."""
    import pyqtgraph as pg

    class UnitAxis(pg.AxisItem):
        def tickStrings(self, values, scale, spacing):
            return [f"{text}{unit}" if text else text for text in super().tickStrings(values, scale, spacing)]

    return UnitAxis(orientation="left")


def ensure_app():
    """The running QApplication, created if there is none (pyqtgraph draws through widgets)."""
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["briefing"])


def render_image(spec: ChartSpec, scale: float = 2.0):
    """`spec` drawn offscreen into a white `QImage` of (width x scale, height x scale) pixels."""
    ensure_app()
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    w, h = spec.width, spec.height
    view = pg.GraphicsView(background="w")  # never shown: axes need a view to measure themselves
    plot = pg.PlotItem(axisItems={"bottom": date_axis(), "left": unit_axis(spec.y_label)})
    view.setCentralItem(plot)
    draw(plot, spec)
    plot.setGeometry(QRectF(0, 0, w, h))
    plot.layout.activate()
    if spec.is_empty:
        empty = pg.TextItem("no prices in the cache for this period", color=INK, anchor=(0.5, 0.5))
        empty.setParentItem(plot.vb)
        empty.setPos(plot.vb.width() / 2, plot.vb.height() / 2)
    if plot.legend is not None:  # it ignores transformations: unset, so it scales with the picture
        plot.legend.setFlag(plot.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
    view.scene().prepareForPaint()  # let the view box and axes take the data's range
    image = QImage(round(w * scale), round(h * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    view.scene().render(painter, QRectF(0, 0, image.width(), image.height()), QRectF(0, 0, w, h),
                        Qt.AspectRatioMode.IgnoreAspectRatio)
    painter.end()
    _dispose(view)
    return image


def _dispose(view) -> None:
    """Delete the offscreen view and its items now, not at interpreter exit (where PySide6 and
    pyqtgraph's exit clean-up can crash on half-finalised objects)."""
    import shiboken6

    scene = view.scene()
    for item in scene.items():
        if item.parentItem() is None:
            scene.removeItem(item)
    shiboken6.delete(view)


def render_png(spec: ChartSpec, scale: float = 2.0) -> bytes:
    """`spec` as PNG bytes: the same spec gives the same bytes on the same machine."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    render_image(spec, scale).save(buf, "PNG")
    buf.close()
    return bytes(data.data())
