"""The news list model: rows are `NewsItem`s, updated in place as refreshes arrive.

A refresh inserts new items at the top and drops pruned ones; a full reset would lose the
reader's place, so `set_rows` turns the new list into row removals, row insertions and cell
changes whenever the surviving rows keep their order (they do: the list is sorted by date).
"""

from __future__ import annotations

import html
import time

from PySide6.QtGui import QFont

from briefing.domain.models import NewsItem
from briefing.ui.table_model import Column, RowTableModel

FLAG, WHEN, TITLE, COMPANIES, SOURCE = range(5)


def _flag(n: NewsItem) -> str:
    return ("★" if n.starred else "") + ("●" if not n.is_read else "")


def _when(n: NewsItem) -> str:
    if n.published is None:
        return "undated"
    return time.strftime("%m-%d %H:%M", time.localtime(n.published))


def _source(n: NewsItem) -> str:
    return f"{n.source} +{n.source_count - 1}" if n.source_count > 1 else n.source


def as_text(tip):
    """Qt shows a tooltip that looks like HTML as rich text: feed text is always shown as text."""
    def escaped(n: NewsItem) -> str:
        value = tip(n)
        return "<p style='white-space:pre-wrap'>" + html.escape(value) + "</p>" if value else value
    return escaped


def news_columns(company_names: dict[str, str]) -> list[Column[NewsItem]]:
    return [
        Column("", _flag, tooltip=as_text(lambda n: ", ".join(
            w for w, on in (("starred", n.starred), ("unread", not n.is_read)) if on) or "read")),
        Column("Published", _when, sort_key=lambda n: n.published or 0,
               tooltip=as_text(lambda n: time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(n.published))
                               if n.published else "no date")),
        Column("Title", lambda n: n.title,
               tooltip=as_text(lambda n: n.title + (f"\n\n{n.summary[:300]}" if n.summary else ""))),
        Column("Companies", lambda n: ", ".join(company_names.get(c, c) for c in n.companies)),
        Column("Source", _source,
               tooltip=as_text(lambda n: f"{n.source_count} sources" if n.source_count > 1 else n.source)),
    ]


class NewsModel(RowTableModel[NewsItem]):
    """Newest first; unread rows bold; incremental updates (see module docstring)."""

    def __init__(self, parent=None) -> None:
        self.company_names: dict[str, str] = {}  # filled by the panel; a change rewrites the rows at the next set_rows
        self._names_written: dict[str, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        super().__init__(news_columns(self.company_names), key=lambda n: n.id,
                         font=lambda n: self._bold if not n.is_read else None, parent=parent)
        self.resets = 0  # for tests and diagnostics: how often the list could not be updated in place

    def row_of(self, news_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == news_id), -1)

    def prepare_rows(self, rows, names: dict[str, str], every: bool = False):
        """Worker thread: `prepare` with the company names the rows will be shown with."""
        return self.prepare(rows, dict(names), news_columns(names), every)

    def _fresh(self, prepared) -> bool:
        return prepared.context == self.company_names

    def _set_rows(self, rows) -> None:
        new_keys = [self._key(r) for r in rows]
        old_keys = [self._key(r) for r in self._rows]
        new_set, old_set = set(new_keys), set(old_keys)
        in_order = [k for k in old_keys if k in new_set] == [k for k in new_keys if k in old_set]
        names_changed = self.company_names != self._names_written
        self._names_written = dict(self.company_names)
        if not in_order or len(new_set) != len(new_keys):
            self.resets += 1
            self._reset(rows)
            return
        i = len(self._rows) - 1  # removals, bottom up, in contiguous blocks
        while i >= 0:
            if old_keys[i] in new_set:
                i -= 1
                continue
            j = i
            while j > 0 and old_keys[j - 1] not in new_set:
                j -= 1
            self._remove(j, i - j + 1)
            i = j - 1
        i = 0  # insertions, top down, in contiguous blocks
        while i < len(new_keys):
            if i < len(self._rows) and self._key(self._rows[i]) == new_keys[i]:
                i += 1
                continue
            j = i
            while j < len(new_keys) and new_keys[j] not in old_set:
                j += 1
            self._insert(i, rows[i:j])
            i = j
        self._update(rows, every=names_changed)  # same rows, new values (read, starred, title, company names)
