"""Golden files: the demo briefing of Thu 15 Jan 2026 as HTML, Markdown and CSV, byte for byte.

Charts are stand-in bytes here (real pixels depend on the machine's fonts); that real charts give
the same bytes run after run is checked separately, as is the PDF's text.

To regenerate after an intended change (then look at the diff before committing it):

    BRIEFING_UPDATE_GOLDEN=1 python -m pytest tests/test_export_golden.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from briefing.export import writers
from briefing.export.run import write
from test_export_helpers import build, demo_cache_file, demo_store, fake_charts  # noqa: F401

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BRIEFING_UPDATE_GOLDEN"))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing golden file {path}: run with BRIEFING_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs from the golden file (BRIEFING_UPDATE_GOLDEN=1 to accept)"


@pytest.fixture
def briefing(demo_store):
    return build(demo_store)


def test_html_golden(briefing):
    check_golden("briefing-2026-01-15.html", writers.html(briefing, fake_charts(briefing)))


def test_markdown_golden(briefing):
    links = {c.key: f"briefing-2026-01-15_files/{c.key}.png" for c in briefing.charts}
    check_golden("briefing-2026-01-15.md", writers.markdown(briefing, links))


def test_csv_golden(briefing):
    check_golden("briefing-2026-01-15.csv", writers.csv_text(briefing))


def test_html_is_self_contained(briefing, tmp_path):
    result = write(briefing, fake_charts(briefing), "html", tmp_path / "b.html")
    page = result.path.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == len(briefing.charts) == 5
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert 'src="http' not in page and "@import" not in page


def test_same_clock_and_cache_give_the_same_bytes_with_real_charts(demo_store, tmp_path, qapp):
    from briefing.export.run import export_briefing
    from briefing.export.model import BriefingOptions
    from test_export_helpers import GOLDEN_DAY, GOLDEN_NOW

    outputs = {}
    for run in ("a", "b"):
        for fmt in ("html", "md", "csv"):
            result = export_briefing(demo_store, BriefingOptions(day=GOLDEN_DAY), fmt, tmp_path / run / f"b.{fmt}",
                                     now=GOLDEN_NOW)
            outputs[run, fmt] = result.path.read_bytes()
            for extra in result.extra:
                outputs[run, extra.name] = extra.read_bytes()
    assert {k[1] for k in outputs} >= {"html", "md", "csv", "compare.png", "company-baidu.png"}
    for key in [k for k in outputs if k[0] == "a"]:
        assert outputs[key] == outputs["b", key[1]], key
    assert outputs["a", "compare.png"].startswith(b"\x89PNG")
    md = outputs["a", "md"].decode()
    assert "](b_files/compare.png)" in md and (tmp_path / "a" / "b_files" / "compare.png").exists()


SECTIONS = ("DEMO DATA", "China AI Briefing", "Thursday 15 January 2026", "Watchlist China AI",
            "generated 2026-01-16 08:00 HKT", "Prices as of 16:00 HKT Thu 15 Jan 2026", "Market", "9888.HK",
            "BIDU", "TCEHY", "0020.HK", "Premium", "Charts", "Top news", "Regulation", "Last 7 days",
            "Next 30 days", "Market reaction to recent events", "Sources.", "Not investment advice.",
            "China AI Briefing 0.1.0", "page 1 of 2", "百度", "阿里巴巴")


def pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    out = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", out)  # the PDF's "ﬁ" ligatures read as "fi"


@pytest.mark.parametrize("page_size", ["a4", "letter"])
def test_pdf_holds_every_section_and_the_same_text_each_time(briefing, tmp_path, qapp, page_size):
    from briefing.export.run import render_charts

    charts = render_charts(briefing)
    first = write(briefing, charts, "pdf", tmp_path / "a.pdf", page_size).path
    second = write(briefing, charts, "pdf", tmp_path / "b.pdf", page_size).path
    text = pdf_text(first)
    for words in SECTIONS:
        assert words in text, words
    for row in briefing.rows:
        assert f"{row.close:,.2f}" in text or f"{row.close:,.3f}" in text, row.symbol
    assert text == pdf_text(second)
    assert first.read_bytes().startswith(b"%PDF-")
    size = subprocess.run(["pdfinfo", str(first)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    if size:
        want = "(A4)" if page_size == "a4" else "612 x 792"
        assert want in size, size
