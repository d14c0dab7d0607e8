"""Desktop integration files validate, the icon renders, and the PyInstaller bundle starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICON = ROOT / "resources" / "icons" / "china-ai-briefing.svg"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validates():
    proc = subprocess.run(["desktop-file-validate", str(PACKAGING / "china-ai-briefing.desktop")],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_validates():
    proc = subprocess.run(["appstreamcli", "validate", "--no-net",
                           str(PACKAGING / "io.github.china_ai_briefing.metainfo.xml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_desktop_file_and_metainfo_agree():
    desktop = (PACKAGING / "china-ai-briefing.desktop").read_text()
    meta = (PACKAGING / "io.github.china_ai_briefing.metainfo.xml").read_text()
    assert "Exec=briefing" in desktop and "<binary>briefing</binary>" in meta
    assert "Icon=china-ai-briefing" in desktop and ICON.stem == "china-ai-briefing"
    assert "china-ai-briefing.desktop" in meta


def test_icon_renders_at_every_size(qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(ICON))
    assert renderer.isValid()
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = ICON.with_name(f"china-ai-briefing-{size}.png")
        assert QImage(str(png)).size().width() == size, png
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        renderer.render(painter)
        painter.end()
        opaque = sum(1 for x in range(size) for y in range(size) if img.pixelColor(x, y).alpha() > 200)
        assert opaque > size * size * 0.6  # the tile fills most of the square


@pytest.mark.slow
def test_pyinstaller_bundle_builds_and_starts(tmp_path):
    pytest.importorskip("PyInstaller")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "build"),
         str(PACKAGING / "briefing.spec")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-3000:]
    exe = tmp_path / "dist" / "briefing" / "briefing"
    assert exe.exists()
    shot = tmp_path / "bundle.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([str(exe), "--demo", "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot)],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    from PySide6.QtGui import QImage

    img = QImage(str(shot))
    assert (img.width(), img.height()) == (1440, 900)
