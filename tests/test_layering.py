"""The domain, the store and the sources never import Qt: the CLI and the services run without it.

Checked twice: statically (every import statement, also those inside functions) and dynamically
(a fresh interpreter imports every module of those packages, then looks at `sys.modules`).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import briefing

PACKAGE_ROOT = Path(briefing.__file__).resolve().parent
QT_FREE = ("domain", "store", "sources")
QT_MODULES = frozenset({"PySide6", "shiboken6", "pyqtgraph"})


def qt_free_files() -> list[Path]:
    return sorted(p for d in QT_FREE for p in (PACKAGE_ROOT / d).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def qt_imports(source: str, module: str = "briefing.x", is_package: bool = False) -> list[str]:
    """Every Qt module `source` imports, wherever the import statement stands."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [_resolve(node, module, is_package)]
        elif isinstance(node, ast.Call):  # importlib.import_module("PySide6...") / __import__("...")
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [f"line {node.lineno}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    return found


def test_checker_sees_imports_anywhere():
    source = textwrap.dedent(
        """
        import os, pyqtgraph as pg
        from PySide6.QtCore import QObject
        def f():
            import shiboken6
            class C:
                def g(self):
                    from PySide6 import QtWidgets
        try:
            import importlib
            importlib.import_module("PySide6.QtGui")
        except ImportError:
            pass
        __import__("pyqtgraph.exporters")
        from briefing.store import fts
        from . import models
        import PySide6x
        """
    )
    hits = qt_imports(source)
    assert sorted(h.split(": ")[1] for h in hits) == sorted(
        ["pyqtgraph", "PySide6.QtCore", "shiboken6", "PySide6", "PySide6.QtGui", "pyqtgraph.exporters"])
    assert qt_imports("import os\nfrom briefing.domain import models\n") == []


def test_no_static_qt_import():
    files = qt_free_files()
    assert any(p.parent.name == "store" for p in files) and any(p.parent.name == "domain" for p in files)
    offenders = {}
    for path in files:
        hits = qt_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
        if hits:
            offenders[str(path.relative_to(PACKAGE_ROOT.parent))] = hits
    assert offenders == {}, f"Qt imported outside the UI: {offenders}"


IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, sys
    qt = {"PySide6", "shiboken6", "pyqtgraph"}
    failed = {}
    for name in json.loads(sys.argv[1]):
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = repr(exc)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in qt)
    print(json.dumps({"qt": loaded, "failed": failed, "imported": sorted(sys.modules)}))
    """
)


def import_in_fresh_interpreter(modules: list[str]) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, json.dumps(modules)],
        capture_output=True, text=True, timeout=120, env=env, cwd=PACKAGE_ROOT.parent,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_qt_loaded_by_importing_every_module():
    modules = [module_name(p) for p in qt_free_files()]
    assert "briefing.store.database" in modules and "briefing.domain.models" in modules
    result = import_in_fresh_interpreter(modules)
    assert result["failed"] == {}
    assert set(modules) <= set(result["imported"])
    assert result["qt"] == [], f"importing {QT_FREE} loaded Qt: {result['qt']}"


def test_dynamic_check_would_notice_qt():
    pytest.importorskip("PySide6")
    result = import_in_fresh_interpreter(["briefing.store", "PySide6.QtCore"])
    assert "PySide6" in result["qt"] and "shiboken6" in result["qt"]
