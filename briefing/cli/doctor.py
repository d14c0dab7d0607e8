"""`briefing doctor`: where everything lives and whether the cache is healthy."""

from __future__ import annotations

from briefing import __version__
from briefing.cli.common import emit, profile_for


def register(sub, add_globals) -> None:
    p = sub.add_parser("doctor", help="show paths, schema version, integrity check and row counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_globals(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    with profile_for(args) as profile:
        store = profile.store
        integrity = store.integrity_check()
        data = {
            "version": __version__,
            "data_dir": str(profile.paths.data_dir),
            "cache_file": str(store.path),
            "cache_dir": str(profile.paths.cache_dir),
            "log_dir": str(profile.paths.log_dir),
            "ui_state_file": str(profile.paths.ui_state_file),
            "schema_version": store.schema_version(),
            "schema_latest": store.latest_schema,
            "integrity": integrity,
            "demo": store.is_demo(),
            "temporary": profile.temporary,
            "notices": profile.notices,
            "rows": store.row_counts(),
        }
        lines = [f"{k.replace('_', ' ')}: {v}" for k, v in data.items() if k not in ("rows", "notices")]
        lines.append("rows:")
        lines += [f"  {table}: {n}" for table, n in data["rows"].items()]
        emit(args, data, lines)
        return 0 if integrity == "ok" else 1
