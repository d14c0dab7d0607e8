"""The bundled instruments registry and regulation events (`resources/`), as domain records."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from briefing.domain.event_validation import RowProblem, events_from_json
from briefing.domain.models import Company, Listing, RegulationEvent

log = logging.getLogger(__name__)


def resource_path(name: str) -> Path:
    """A bundled file, from the `briefing.resources` package's directory. Not importlib.resources:
    its import (tempfile, shutil, lzma...) would sit on the path to the first frame, and the
    package is never zipped (wheel, editable install and PyInstaller all keep real files)."""
    import briefing.resources as package

    return Path(next(iter(package.__path__))) / name


def read_resource(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")


def _d(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


@dataclass(frozen=True)
class Registry:
    companies: tuple[Company, ...]
    listings: tuple[Listing, ...]
    fingerprint: str  # changes when the bundled file changes: reload into the cache then

    def listing(self, symbol: str) -> Listing | None:
        return next((l for l in self.listings if l.symbol == symbol), None)

    def company_listings(self, company_id: str) -> list[Listing]:
        return [l for l in self.listings if l.company_id == company_id]


@cache
def load_registry() -> Registry:
    text = read_resource("instruments.json")
    data = json.loads(text)
    companies, listings = [], []
    for c in data["companies"]:
        companies.append(Company(
            id=c["id"], name_en=c["name_en"], name_zh=c.get("name_zh", ""),
            aliases_en=tuple(c.get("aliases_en", ())), aliases_zh=tuple(c.get("aliases_zh", ())),
            tickers=tuple(c.get("tickers", ())),
        ))
        for l in c["listings"]:
            listings.append(Listing(
                symbol=l["symbol"], exchange=l["exchange"], currency=l["currency"], timezone=l["timezone"],
                company_id=c["id"], name_en=c["name_en"], name_zh=c.get("name_zh", ""),
                adr_ratio=l.get("adr_ratio"), kind=l.get("kind", "ordinary"),
                listed_on=_d(l.get("listed_on")), history_from=_d(l.get("history_from")),
            ))
    for f in data.get("fx", ()):
        listings.append(Listing(symbol=f["symbol"], exchange="FX", currency=f["quote"], timezone="UTC",
                                name_en=f.get("name_en", f["symbol"]), kind="fx"))
    for b in data.get("benchmarks", ()):
        listings.append(Listing(symbol=b["symbol"], exchange=b["exchange"], currency=b["currency"],
                                timezone=b["timezone"], name_en=b.get("name_en", b["symbol"]),
                                name_zh=b.get("name_zh", ""), kind="fund"))
    import hashlib

    return Registry(tuple(companies), tuple(listings), hashlib.sha256(text.encode()).hexdigest()[:16])


@cache
def load_curated_events_checked() -> tuple[tuple[RegulationEvent, ...], tuple[RowProblem, ...]]:
    """The bundled events that pass validation, and the rows that did not (row number and why)."""
    known = {c.id for c in load_registry().companies}
    events, problems = events_from_json(read_resource("regulation_events.json"), companies=known, origin="curated")
    for p in problems:
        log.warning("bundled regulation_events.json: skipped %s", p)
    return tuple(events), tuple(problems)


def load_curated_events() -> tuple[RegulationEvent, ...]:
    return load_curated_events_checked()[0]


def events_fingerprint() -> str:
    import hashlib

    return hashlib.sha256(read_resource("regulation_events.json").encode()).hexdigest()[:16]
