"""The reader pane: an item as sanitised HTML that never touches the network on its own.

Feed HTML is cleaned here (`html_text.sanitize_html`, nh3 with an allow-list: no scripts, styles,
forms, frames or event attributes; links only http/https/mailto, relative ones resolved). Images are left out unless the user asks for them
(tracking pixels), and even then only those fetched by the app are shown: the pane loads no
resource itself. Links are handed to the system browser, never followed in the pane.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from briefing.domain.html_text import LINK_SCHEMES, image_urls, sanitize_html

if TYPE_CHECKING:
    from briefing.domain.news_records import NewsDetail

LOAD_IMAGES_URL = "briefing:load-images"


def reader_html(detail: NewsDetail, company_names: dict[str, str], *, images: bool = False) -> str:
    item = detail.item
    e = html.escape
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.published)) if item.published else "undated"
    if detail.date_guessed:
        when += " (first seen; the feed gives no date)"
    meta = [e(when)]
    if detail.author:
        meta.append(e(detail.author))
    if item.companies:
        meta.append(e(", ".join(company_names.get(c, c) for c in item.companies)))
    parts = [f"<h3>{e(item.title)}</h3>", f"<p style='color:gray'>{' · '.join(meta)}</p>"]
    base = item.url if item.url.startswith(("http://", "https://")) else ""
    body = sanitize_html(detail.content_html, images=images, base=base) if detail.content_html \
        else f"<p>{e(item.summary)}</p>"
    parts.append(body)
    blocked = 0 if images else len(image_urls(detail.content_html, base))
    if blocked:
        parts.append(f"<p style='color:gray'>{blocked} image{'s' if blocked != 1 else ''} not loaded (privacy: "
                     f"images can track readers). <a href='{LOAD_IMAGES_URL}'>Load images</a></p>")
    sources = [s for s in detail.sources if s.url.startswith(("http://", "https://"))]
    if len(detail.sources) > 1:
        parts.append("<p><b>Sources</b></p><ul>" + "".join(
            f"<li><a href='{e(s.url, quote=True)}'>{e(s.feed_title)}</a>: {e(s.title)}</li>" if s.url.startswith(
                ("http://", "https://")) else f"<li>{e(s.feed_title)}: {e(s.title)}</li>"
            for s in detail.sources) + "</ul>")
    link = item.url if item.url.startswith(("http://", "https://")) else (sources[0].url if sources else "")
    if link:
        parts.append(f"<p><a href='{e(link, quote=True)}'>Open in browser</a> "
                     f"<span style='color:gray'>({e(QUrl(link).host())})</span></p>")
    if item.is_demo:
        parts.insert(0, "<p style='color:#b36b00'><b>Demo item: not real news.</b></p>")
    return "".join(parts)


class SafeReader(QTextBrowser):
    """Shows `reader_html`; loads nothing by itself; links go out through `link_activated`."""

    link_activated = Signal(str)  # an http(s)/mailto link the user clicked
    images_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self._images: dict[str, QImage] = {}
        self.refused: list[str] = []  # resources the document asked for and did not get (for tests)
        self._html = ""

    def setHtml(self, html: str) -> None:  # noqa: N802 - Qt's name
        self._html = html
        super().setHtml(html)

    def clear(self) -> None:
        self._html = ""
        super().clear()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A theme switch: lay the item out again, so links take the new palette's link colour
        (the document baked the old one in when it parsed the HTML)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self._html:
            scroll = self.verticalScrollBar().value()
            super().setHtml(self._html)
            self.verticalScrollBar().setValue(scroll)

    def set_images(self, images: dict[str, bytes]) -> None:
        self._images = {}
        for url, data in images.items():
            img = QImage.fromData(data)
            if not img.isNull():
                self._images[url] = img

    def clear_images(self) -> None:
        self._images = {}

    def loadResource(self, kind: int, name: QUrl):  # noqa: N802 - Qt's name
        url = name.toString()
        if kind == QTextDocument.ResourceType.ImageResource.value and url in self._images:
            return self._images[url]
        self.refused.append(url)
        return None

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text == LOAD_IMAGES_URL:
            self.images_requested.emit()
        elif url.scheme().lower() in LINK_SCHEMES:
            self.link_activated.emit(text)
