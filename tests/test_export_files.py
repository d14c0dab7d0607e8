"""Atomic writes: a kill or a full disk during a write leaves the previous briefing intact; a path
that cannot be written gives one clear error."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from briefing.export.files import TEMP_PREFIX, ExportPathError, atomic_path, write_atomic
from briefing.export.run import write
from test_export_helpers import build, demo_cache_file, demo_store, fake_charts  # noqa: F401

KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from briefing.export.files import write_atomic

    def half_then_wait(f):
        f.write(b"NEW BRIEFING " * 50_000)
        f.flush()
        print("half written", flush=True)
        sys.stdin.readline()  # never answered: the parent kills us here
        f.write(b"THE END")

    write_atomic(Path(sys.argv[1]), half_then_wait)
    """
)


def test_a_kill_during_the_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "briefing.html"
    target.write_bytes(b"yesterday's briefing")
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "half written"  # waits on the child, no sleep
        child.kill()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert target.read_bytes() == b"yesterday's briefing"
    leftovers = list(tmp_path.glob(f"{TEMP_PREFIX}briefing.html.*"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0  # the half file is beside, not in place
    # The next export replaces the briefing and clears an old enough leftover.
    old = time.time() - 2 * 3600
    os.utime(leftovers[0], (old, old))
    write_atomic(target, b"today's briefing")
    assert target.read_bytes() == b"today's briefing"
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "briefing.pdf"
    target.write_bytes(b"old")

    def disk_full(f):
        f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ExportPathError, match=r"cannot write .*briefing.pdf: the disk is full"):
        write_atomic(target, disk_full)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_an_error_inside_a_named_temp_file_writer_keeps_the_old_file(tmp_path):
    target = tmp_path / "briefing.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the PDF writer failed")
    assert target.read_bytes() == b"old" and list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_modes_follow_the_old_file_or_the_umask(tmp_path):
    fresh = write_atomic(tmp_path / "new.csv", b"x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "private.csv"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    write_atomic(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == b"new"


def _under_a_file(d: Path) -> Path:
    (d / "a-file").write_text("x")
    return d / "a-file" / "b.csv"


def _a_folder(d: Path) -> Path:
    (d / "folder").mkdir()
    return d / "folder"


@pytest.mark.parametrize("make, words", [
    (_under_a_file, "a part of the path is a file, not a folder"),
    (_a_folder, "it is a folder"),
])
def test_an_unwritable_path_gives_one_clear_error(demo_store, tmp_path, make, words):
    b = build(demo_store)
    target = make(tmp_path)
    with pytest.raises(ExportPathError) as err:
        write(b, fake_charts(b), "csv", target)
    assert str(err.value) == f"cannot write {target}: {words}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_a_read_only_folder_gives_one_clear_error(demo_store, tmp_path):
    b = build(demo_store)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportPathError, match="permission denied"):
            write(b, fake_charts(b), "html", folder / "b.html")
    finally:
        folder.chmod(0o700)


def test_missing_folders_are_created(demo_store, tmp_path):
    b = build(demo_store)
    result = write(b, {}, "csv", tmp_path / "new" / "deeper" / "b.csv")
    assert result.path.read_text().startswith("date,watchlist,symbol")


def test_markdown_writes_its_charts_beside_it(demo_store, tmp_path):
    b = build(demo_store)
    result = write(b, fake_charts(b), "md", tmp_path / "daily.md")
    folder = tmp_path / "daily_files"
    assert sorted(p.name for p in result.extra) == sorted(f"{c.key}.png" for c in b.charts)
    assert all((folder / f"{c.key}.png").read_bytes().startswith(b"\x89PNG") for c in b.charts)
    assert "](daily_files/company-baidu.png)" in result.path.read_text(encoding="utf-8")


def test_output_paths_and_formats(demo_store, tmp_path):
    from briefing.export.run import default_name, format_for, output_path

    b = build(demo_store)
    assert default_name(b, "pdf") == "briefing-2026-01-15-china-ai.pdf"
    assert output_path(tmp_path, b, "md") == tmp_path / "briefing-2026-01-15-china-ai.md"
    assert output_path(f"{tmp_path}/later/", b, "csv") == tmp_path / "later" / "briefing-2026-01-15-china-ai.csv"
    assert output_path(tmp_path / "mine.html", b, "html") == tmp_path / "mine.html"
    assert [format_for(n) for n in ("a.PDF", "a.htm", "a.markdown", "a.csv", "a.txt", None)] == \
        ["pdf", "html", "md", "csv", None, None]
    assert Path(output_path(None, b, "pdf")).parent == Path.cwd()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_nobody_can_write_gives_one_clear_error_even_as_root(demo_store):
    b = build(demo_store)
    with pytest.raises(ExportPathError) as err:
        write(b, {}, "csv", Path("/proc/self/briefing.csv"))
    assert str(err.value) == "cannot write /proc/self/briefing.csv: the folder does not accept new files"
