"""Shared by the export tests: a demo cache seeded once per session, copied for each test.

The golden day is Thu 15 Jan 2026 (a session in Hong Kong and New York, with a curated event
announced on the 13th and in force on the 15th), written at 08:00 HKT the next morning.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

GOLDEN_DAY = date(2026, 1, 15)
GOLDEN_NOW = datetime(2026, 1, 16, 8, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
FAKE_PNG = b"\x89PNG fake chart for golden files"


@pytest.fixture(scope="session")
def demo_cache_file(tmp_path_factory):
    """A cache file with the demo dataset up to the golden day (seeded once: ~2 s)."""
    from briefing.store import Store
    from briefing.store.demo_seed import seed_demo

    path = tmp_path_factory.mktemp("export-demo") / "demo.sqlite3"
    with Store.open(path) as store:
        seed_demo(store, GOLDEN_DAY)
    return path


@pytest.fixture
def demo_store(demo_cache_file, tmp_path):
    """A private copy of the seeded demo cache, open."""
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    copy = tmp_path / "demo.sqlite3"
    shutil.copy(demo_cache_file, copy)
    store = Store.open(copy)
    prepare(store)
    yield store
    store.close()


def fake_charts(briefing) -> dict[str, bytes]:
    return {c.key: FAKE_PNG + c.key.encode() for c in briefing.charts}


def build(store, day=GOLDEN_DAY, now=GOLDEN_NOW, **kw):
    from briefing.export.build import build_briefing
    from briefing.export.model import BriefingOptions

    return build_briefing(store, BriefingOptions(day=day, **kw), now)
