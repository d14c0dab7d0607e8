"""Checking regulation-event records before they reach the cache.

The bundled `resources/regulation_events.json`, an imported CSV/JSON file and the event dialog
all go through `event_from_record`, so one bad row (a bad date, an unknown company, no source)
is skipped with its row number and the reason, and the rest still load: the app always starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from briefing.domain.models import EVENT_CATEGORIES, RegulationEvent

EVENT_FIELDS = ("id", "announced", "effective", "body", "title_en", "title_zh", "category",
                "companies", "summary", "source_url")
CATEGORY_LABELS = {
    "china_rule": "China rule",
    "us_action": "US action",
    "company_milestone": "Company milestone",
    "policy_signal": "Policy signal",
    "market_event": "Market event",
}
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = 2000


class EventValidationError(ValueError):
    """A record that cannot become an event; `reasons` says every field that is wrong."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class RowProblem:
    """A skipped row: 1-based position among the file's records, its id if it had one, why."""

    row: int
    event_id: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "the file"
        return f"{where}{f' ({self.event_id})' if self.event_id else ''}: {self.reason}"


def category_id(value: str) -> str | None:
    """`china_rule`, or its label ("China rule") in any case: CSV files written by hand use both."""
    v = value.strip()
    if v in EVENT_CATEGORIES:
        return v
    folded = v.casefold().replace("-", " ").replace("_", " ")
    for key, label in CATEGORY_LABELS.items():
        if folded in (label.casefold(), key.replace("_", " ")):
            return key
    return None


def _text(raw: Mapping, key: str, reasons: list[str]) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        reasons.append(f"{key} must be text, not {type(value).__name__}")
        return ""
    value = value.strip()
    if len(value) > MAX_TEXT:
        reasons.append(f"{key} is longer than {MAX_TEXT} characters")
    return value


def _date(raw: Mapping, key: str, reasons: list[str]) -> date | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and ISO_DATE_RE.match(value.strip()):
        try:
            d = date.fromisoformat(value.strip())
        except ValueError:
            reasons.append(f"bad {key} date {value!r} (no such day)")
            return None
        if not EARLIEST <= d <= LATEST:
            reasons.append(f"{key} date {value!r} is outside {EARLIEST.year}-{LATEST.year}")
            return None
        return d
    reasons.append(f"bad {key} date {value!r} (expected YYYY-MM-DD)")
    return None


def _companies(raw: Mapping, known: Collection[str], reasons: list[str]) -> tuple[str, ...]:
    value = raw.get("companies")
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV: "baidu; alibaba"
        value = [v for v in re.split(r"[;,|]", value)]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        reasons.append("companies must be a list of company ids")
        return ()
    out: list[str] = []
    for v in (v.strip().lower() for v in value):
        if not v:
            continue
        if v not in known:
            reasons.append(f"unknown company {v!r} (known: {', '.join(sorted(known))})")
        elif v not in out:
            out.append(v)
    return tuple(out)


def source_problem(url: str) -> str | None:
    """Why `url` cannot be an event's source, or None."""
    if not url:
        return "missing source URL"
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return f"source {url!r} is not an http(s) URL"
    return None


def event_from_record(raw: object, *, companies: Collection[str], origin: str = "curated",
                      require_id: bool = True) -> RegulationEvent:
    """The event a record describes; raises `EventValidationError` listing every problem.

    Without `require_id` a missing id is left empty for the caller to assign.
    """
    if not isinstance(raw, Mapping):
        raise EventValidationError([f"not an event object but {type(raw).__name__}"])
    reasons: list[str] = []
    event_id = _text(raw, "id", reasons)
    if event_id and not ID_RE.match(event_id):
        reasons.append(f"id {event_id!r} may hold only letters, digits and . _ : - (at most 100)")
    elif not event_id and require_id:
        reasons.append("missing id")
    title_en, title_zh = _text(raw, "title_en", reasons), _text(raw, "title_zh", reasons)
    if not (title_en or title_zh):
        reasons.append("missing title")
    raw_category = _text(raw, "category", reasons)
    category = category_id(raw_category) if raw_category else None
    if category is None:
        reasons.append(f"unknown category {raw_category!r}" if raw_category else "missing category")
    announced, effective = _date(raw, "announced", reasons), _date(raw, "effective", reasons)
    if announced is None and effective is None and not any(r.startswith("bad ") for r in reasons):
        reasons.append("no date: an event needs an announced or an effective date")
    if announced and effective and effective < announced:
        reasons.append(f"effective date {effective} is before the announced date {announced}")
    source = _text(raw, "source_url", reasons)
    problem = source_problem(source)
    if problem:
        reasons.append(problem)
    found = _companies(raw, companies, reasons)
    body, summary = _text(raw, "body", reasons), _text(raw, "summary", reasons)
    if reasons:
        raise EventValidationError(reasons)
    return RegulationEvent(
        id=event_id, title_en=title_en or title_zh, category=category or "", announced=announced,
        effective=effective, body=body, title_zh=title_zh, companies=found, summary=summary,
        source_url=source, origin=origin,
    )


def events_from_records(records: Iterable[object], *, companies: Collection[str], origin: str = "curated",
                        require_id: bool = True) -> tuple[list[RegulationEvent], list[RowProblem]]:
    """Every valid record as an event; each invalid or duplicate one as a `RowProblem`."""
    events: list[RegulationEvent] = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for row, raw in enumerate(records, start=1):
        rid = raw.get("id") if isinstance(raw, Mapping) else None
        rid = rid.strip() if isinstance(rid, str) else ""
        try:
            event = event_from_record(raw, companies=companies, origin=origin, require_id=require_id)
        except EventValidationError as exc:
            problems.append(RowProblem(row, rid, str(exc)))
            continue
        if event.id and event.id in seen:
            problems.append(RowProblem(row, rid, "duplicate id (an earlier row has it)"))
            continue
        seen.add(event.id)
        events.append(event)
    return events, problems


def events_from_json(text: str, *, companies: Collection[str], origin: str = "curated",
                     require_id: bool = True) -> tuple[list[RegulationEvent], list[RowProblem]]:
    """A JSON events document: `{"schema": 1, "events": [...]}` or a bare list of records."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], [RowProblem(0, "", f"not valid JSON ({exc})")]
    if isinstance(data, Mapping):
        if data.get("schema", 1) != 1:
            return [], [RowProblem(0, "", f"unsupported schema {data.get('schema')!r} (this version reads 1)")]
        data = data.get("events")
    if not isinstance(data, list):
        return [], [RowProblem(0, "", "expected a list of events (or an object with an \"events\" list)")]
    return events_from_records(data, companies=companies, origin=origin, require_id=require_id)
