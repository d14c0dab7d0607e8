"""Turn what a user types (symbol, HK code, company name in English or Chinese) into listings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.domain.models import Company, Listing


class SymbolLookupError(ValueError):
    """Nothing, or nothing unambiguous, matches what was typed; the message says so plainly."""


class NotInRegistry(SymbolLookupError):
    """Nothing in the registry matches; `symbol` is what was typed, as a code, when it could be
    one (then the price source can be asked about it), else ""."""

    def __init__(self, message: str, symbol: str = "") -> None:
        super().__init__(message)
        self.symbol = symbol


_SYMBOL = re.compile(r"\^?[A-Z0-9]{1,6}([.\-][A-Z0-9]{1,4})?(=X)?")


def looks_like_symbol(code: str) -> bool:
    """'AAPL', 'BRK-B', '1810.HK', 'EURUSD=X' could be a Yahoo symbol; 'Pinduoduo' or '拼多多' not."""
    return bool(_SYMBOL.fullmatch(code))


def normalise_code(text: str) -> str:
    """'700' / '0700' / '700.hk' -> '0700.HK'; other text is upper-cased and stripped."""
    t = text.strip().upper()
    m = re.fullmatch(r"(\d{1,5})(\.HK)?", t)
    if m:
        digits = m.group(1).lstrip("0") or "0"
        return f"{int(digits):04d}.HK"
    return t


def lookup(text: str, listings: Sequence[Listing], companies: Sequence[Company]) -> list[str]:
    """The symbols `text` names: one listing by symbol, or every line of a company by name or alias."""
    t = text.strip()
    if not t:
        raise SymbolLookupError("type a symbol or a company name")
    code = normalise_code(t)
    by_symbol = {l.symbol.upper(): l.symbol for l in listings}
    if code in by_symbol:
        return [by_symbol[code]]
    folded = t.casefold()
    hits = [c for c in companies
            if folded in {c.name_en.casefold(), c.name_zh.casefold(), c.id.casefold()}
            or folded in {a.casefold() for a in c.aliases_en + c.aliases_zh}]
    if not hits:
        hits = [c for c in companies if folded and (folded in c.name_en.casefold() or (c.name_zh and t in c.name_zh))]
    if len(hits) > 1:
        raise SymbolLookupError(f"{t!r} matches {', '.join(c.name_en for c in hits)}: be more specific")
    if hits:
        symbols = [l.symbol for l in listings if l.company_id == hits[0].id]
        if symbols:
            return symbols
    raise NotInRegistry(f"unknown symbol or company {t!r} (not in the instruments registry)",
                        code if looks_like_symbol(code) else "")
