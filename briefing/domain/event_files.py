"""Events to and from files the user keeps: JSON (the bundled file's shape) and CSV.

Import goes through the same validation as the bundled file; rows without an id get one made
from their date and title, so a spreadsheet of the user's own events needs no id column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import replace
from pathlib import Path

from briefing.domain.event_validation import (
    EVENT_FIELDS, RowProblem, events_from_json, events_from_records,
)
from briefing.domain.models import RegulationEvent

FORMATS = ("json", "csv")


def format_for(path: str | Path, explicit: str | None = None) -> str:
    """The file format: given, else from the extension; ValueError when neither says."""
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"unknown format {explicit!r} (use json or csv)")
        return explicit
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ValueError(f"cannot tell the format of {path}: name it .json or .csv, or give --format")


def record(e: RegulationEvent) -> dict:
    return {
        "id": e.id, "announced": e.announced and e.announced.isoformat(),
        "effective": e.effective and e.effective.isoformat(), "body": e.body, "title_en": e.title_en,
        "title_zh": e.title_zh, "category": e.category, "companies": list(e.companies), "summary": e.summary,
        "source_url": e.source_url,
    }


def to_json(events: Iterable[RegulationEvent]) -> str:
    return json.dumps({"schema": 1, "events": [record(e) for e in events]}, ensure_ascii=False, indent=2) + "\n"


def to_csv(events: Iterable[RegulationEvent]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(EVENT_FIELDS), lineterminator="\n")
    w.writeheader()
    for e in events:
        row = record(e)
        row["companies"] = "; ".join(e.companies)
        w.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def dump(events: Iterable[RegulationEvent], fmt: str) -> str:
    return to_json(events) if fmt == "json" else to_csv(events)


def slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return s[:limit].rstrip("-") or "event"


def new_id(event: RegulationEvent, taken: Collection[str], prefix: str = "user") -> str:
    """`user-2025-03-07-ai-content-labelling`, with -2, -3... if taken."""
    day = event.key_date.isoformat() if event.key_date else "undated"
    base = f"{prefix}-{day}-{slug(event.title_en)}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def parse(text: str, fmt: str, *, companies: Collection[str], taken: Collection[str] = (),
          origin: str = "user") -> tuple[list[RegulationEvent], list[RowProblem]]:
    """Events from a file's text; rows that fail validation come back as problems."""
    if fmt == "json":
        events, problems = events_from_json(text, companies=companies, origin=origin, require_id=False)
    else:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        if reader.fieldnames is None:
            return [], [RowProblem(0, "", "the CSV file is empty")]
        missing = {"title_en", "category", "source_url"} - {f.strip() for f in reader.fieldnames}
        if missing and "title_zh" not in reader.fieldnames:
            return [], [RowProblem(0, "", f"the CSV header lacks {', '.join(sorted(missing))}")]
        rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
        events, problems = events_from_records(rows, companies=companies, origin=origin, require_id=False)
    taken = set(taken) | {e.id for e in events if e.id}
    named = []
    for e in events:
        if not e.id:
            e = replace(e, id=new_id(e, taken))
            taken.add(e.id)
        named.append(e)
    return named, problems
