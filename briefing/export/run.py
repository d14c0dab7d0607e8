"""One export, start to end: build the model, draw the charts, write the file atomically.

The three steps are separate so the GUI can run them where each belongs: `build_briefing` and
`write` on a worker thread, `render_charts` on the GUI thread (pyqtgraph). The CLI and the bench
call `export_briefing`, which does all three in a row.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from briefing.export import writers
from briefing.export.build import build_briefing
from briefing.export.files import atomic_path, check_target, path_error, write_atomic
from briefing.export.model import FORMATS, PAGE_SIZES, Briefing, BriefingOptions, ExportResult

EXTENSIONS = {"pdf": ".pdf", "html": ".html", "md": ".md", "csv": ".csv"}
FORMAT_NAMES = {"pdf": "PDF", "html": "HTML (one file)", "md": "Markdown + PNG charts", "csv": "CSV (market table)"}


def format_for(path: str | Path | None) -> str | None:
    """The format a file name asks for by its extension (`.markdown` counts as md), else None."""
    if path is None:
        return None
    ext = Path(path).suffix.lower()
    return {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".csv": "csv"}.get(ext)


def default_name(briefing: Briefing, fmt: str) -> str:
    return f"briefing-{briefing.slug}{EXTENSIONS[fmt]}"


def output_path(out: str | Path | None, briefing: Briefing, fmt: str) -> Path:
    """`out` as given; a folder (existing, or written with a trailing slash) gets the default name."""
    if out is None or str(out) == "":
        return Path.cwd() / default_name(briefing, fmt)
    text = str(out)
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", "\\")):
        return path / default_name(briefing, fmt)
    return path


def needs_charts(fmt: str) -> bool:
    return fmt != "csv"


def render_charts(briefing: Briefing, scale: float = 2.0, progress=None) -> dict[str, bytes]:
    """Every chart of the briefing as PNG bytes (GUI thread; needs a QApplication)."""
    from briefing.export.charts import render_all

    return render_all(briefing.charts, scale, progress)


def chart_dir(path: Path) -> Path:
    """Where Markdown's charts go: `<name>_files/` beside the Markdown file."""
    return path.with_name(path.stem + "_files")


def write(briefing: Briefing, charts: dict[str, bytes], fmt: str, path: Path,
          page_size: str = "a4") -> ExportResult:
    """Write one format to `path` atomically (worker-thread safe: no widgets)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if page_size not in PAGE_SIZES:
        raise ValueError(f"unknown page size {page_size!r} (one of {', '.join(PAGE_SIZES)})")
    path = Path(path).absolute()
    check_target(path, create_folder=True)
    extra: list[Path] = []
    if fmt == "html":
        write_atomic(path, writers.html(briefing, charts).encode("utf-8"))
    elif fmt == "csv":
        write_atomic(path, writers.csv_text(briefing).encode("utf-8"))
    elif fmt == "md":
        folder = chart_dir(path)
        links = {}
        if charts:
            try:
                folder.mkdir(exist_ok=True)
            except OSError as exc:
                raise path_error(folder, exc) from exc
            for key, png in sorted(charts.items()):
                extra.append(write_atomic(folder / f"{key}.png", png))
                links[key] = f"{quote(folder.name)}/{quote(key)}.png"
        write_atomic(path, writers.markdown(briefing, links).encode("utf-8"))
    else:
        from briefing.export.pdf import write_pdf

        with atomic_path(path) as tmp:
            write_pdf(briefing, charts, tmp, page_size)
    return ExportResult(path, fmt, extra, briefing.header.notices)


def export_briefing(store, options: BriefingOptions, fmt: str, out: str | Path | None, *, now: datetime,
                    page_size: str = "a4", scale: float = 2.0) -> ExportResult:
    """Build, draw and write in one go (CLI, bench). Charts need a QApplication (GUI thread)."""
    t0 = time.perf_counter()
    briefing = build_briefing(store, options, now)
    path = output_path(out, briefing, fmt)
    check_target(path.absolute(), create_folder=True)
    t1 = time.perf_counter()
    charts = render_charts(briefing, scale) if needs_charts(fmt) else {}
    t2 = time.perf_counter()
    result = write(briefing, charts, fmt, path, page_size)
    t3 = time.perf_counter()
    result.timings = {"build": t1 - t0, "charts": t2 - t1, "write": t3 - t2, "total": t3 - t0}
    return result
