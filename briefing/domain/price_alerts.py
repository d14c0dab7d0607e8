"""Price-move alerts: a symbol moved beyond its threshold (% from the previous close).

Thresholds come from the preferences: one default, and per-symbol overrides written as
`9988.HK=3, BIDU=4.5` (0 turns a symbol off). Each symbol alerts once per direction and per quote
day, so a quote refresh every few seconds does not repeat the same notification.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from briefing.domain.models import Quote

_ITEM = re.compile(r"^\s*([A-Za-z0-9.=^\-]+)\s*[=:]\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$")


def parse_thresholds(text: str) -> dict[str, float]:
    """`"9988.HK=3, BIDU=4.5"` -> {"9988.HK": 3.0, "BIDU": 4.5}; raises ValueError on a bad item."""
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        m = _ITEM.match(item)
        if not m:
            raise ValueError(f"{item!r} is not SYMBOL=PERCENT (for example 9988.HK=3)")
        out[m.group(1).upper()] = float(m.group(2))
    return out


@dataclass(frozen=True)
class PriceMove:
    """One alert: `symbol` is `change_pct` % from its previous close, beyond `threshold` %."""

    symbol: str
    change_pct: float
    threshold: float
    last: float
    day: str  # the quote's UTC date: one alert per symbol, direction and day

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.symbol, "up" if self.change_pct > 0 else "down", self.day)

    def text(self) -> str:
        return f"{self.symbol} {self.change_pct:+.1f}% at {self.last:,.2f} (alert beyond ±{self.threshold:g}%)"


def price_moves(quotes: Iterable[Quote], default_pct: float, per_symbol: dict[str, float],
                already: set[tuple[str, str, str]], symbols: set[str] | None = None) -> list[PriceMove]:
    """The moves beyond their threshold not yet in `already` (which is updated)."""
    out = []
    for q in quotes:
        if symbols is not None and q.symbol not in symbols:
            continue
        threshold = per_symbol.get(q.symbol.upper(), default_pct)
        pct = q.change_pct
        if not threshold or threshold <= 0 or pct is None or abs(pct) < threshold:
            continue
        day = datetime.fromtimestamp(q.as_of, timezone.utc).date().isoformat()
        move = PriceMove(q.symbol, pct, threshold, q.last, day)
        if move.key in already:
            continue
        already.add(move.key)
        out.append(move)
    return sorted(out, key=lambda m: -abs(m.change_pct))


def message(moves: list[PriceMove]) -> tuple[str, str]:
    title = f"Price alert: {moves[0].symbol}" if len(moves) == 1 else f"Price alerts: {len(moves)} symbols"
    return title, "\n".join(m.text() for m in moves)
