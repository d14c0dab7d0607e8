"""The PDF writer: Qt's own text engine and PDF writer, A4 or Letter, no browser.

The briefing's print HTML (`writers.print_html`) is laid out by a `QTextDocument` with the charts
as document resources, cut into pages of the chosen size and painted onto a `QPdfWriter` with a
running footer ("page 1 of 2", DEMO DATA). Safe on a worker thread: no widgets are involved.
The PDF's text is the same for the same briefing; its bytes are not (Qt stamps a creation date).
"""

from __future__ import annotations

from pathlib import Path

from briefing.export import writers
from briefing.export.files import ExportPathError
from briefing.export.model import Briefing

DPI = 96  # layout units: CSS pixels; charts are embedded at their full (2x) resolution anyway
MARGINS_MM = (14.0, 12.0, 14.0, 12.0)  # left, top, right, bottom
FOOTER_PT = 7.0


def _resource(key: str) -> str:
    return f"chart-{key}.png"


def document(briefing: Briefing, charts: dict[str, bytes], page_size: str = "a4", paint_device=None):
    """The laid-out `QTextDocument` of the briefing for one page size (also the dialog's preview)."""
    from PySide6.QtCore import QSizeF, QUrl
    from PySide6.QtGui import QFont, QImage, QTextDocument

    width_px = round(page_width_mm(page_size) / 25.4 * DPI)
    doc = QTextDocument()
    doc.setUseDesignMetrics(True)
    doc.setDocumentMargin(0)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(8.5)
    doc.setDefaultFont(font)
    for key, png in charts.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(_resource(key)), QImage.fromData(png, "PNG"))
    if paint_device is not None:
        doc.documentLayout().setPaintDevice(paint_device)
    doc.setHtml(writers.print_html(briefing, _resource, lambda key: key in charts, width_px))
    doc.setPageSize(QSizeF(width_px, 10_000))
    return doc


def page_width_mm(page_size: str) -> float:
    full = {"a4": 210.0, "letter": 215.9}[page_size]
    return full - MARGINS_MM[0] - MARGINS_MM[2]


def write_pdf(briefing: Briefing, charts: dict[str, bytes], path: Path, page_size: str = "a4") -> int:
    """Write the PDF to `path` (a temporary file the caller renames); returns the page count."""
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
    from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    size_id = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}[page_size]
    writer.setPageSize(QPageSize(size_id))
    writer.setPageMargins(QMarginsF(*MARGINS_MM), QPageLayout.Unit.Millimeter)
    writer.setResolution(DPI)
    writer.setTitle(briefing.header.title + (" (DEMO DATA)" if briefing.header.demo else ""))
    writer.setCreator(briefing.footer.version)

    area = writer.pageLayout().paintRectPixels(DPI)
    footer_font = QFont("DejaVu Sans")
    footer_font.setPointSizeF(FOOTER_PT)
    footer_h = round(FOOTER_PT / 72 * DPI * 2.4)
    body = QSizeF(area.width(), area.height() - footer_h)
    doc = document(briefing, charts, page_size, writer)
    doc.setPageSize(body)
    pages = doc.pageCount()

    painter = QPainter()
    if not painter.begin(writer):
        raise ExportPathError(0, f"cannot write {path}: Qt could not open it for the PDF")
    h = briefing.header
    left = f"{h.title} · {h.watchlist}" + (" · DEMO DATA" if h.demo else "")
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * body.height())
            ctx = QAbstractTextDocumentLayout.PaintContext()
            ctx.clip = QRectF(0, page * body.height(), body.width(), body.height())
            doc.documentLayout().draw(painter, ctx)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#b3001b" if h.demo else "#555555"))
            line = QRectF(0, body.height() + footer_h * 0.35, body.width(), footer_h * 0.65)
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
            painter.setPen(QColor("#555555"))
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"page {page + 1} of {pages}")
    finally:
        painter.end()
    return pages
