"""Opening a profile: resolve its paths, open (or recover) its cache, bring it up to date.

Shared by the GUI and every CLI command, so both see the same cache the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from briefing import paths as paths_mod
from briefing.paths import Paths
from briefing.store import DataDirNotWritableError, Store
from briefing.store.bootstrap import prepare

log = logging.getLogger(__name__)


@dataclass
class Profile:
    paths: Paths
    store: Store
    notices: list[str] = field(default_factory=list)  # what the user must be told, one line each
    temporary: bool = False

    def close(self) -> None:
        self.store.close()


def open_profile(data_dir: str | None = None, *, demo: bool = False) -> Profile:
    """Open the profile's cache; raises `StoreError` (e.g. schema too new) with a clear message."""
    paths = paths_mod.resolve(data_dir, demo=demo)
    notices: list[str] = []
    temporary = False
    try:
        try:
            paths.ensure()
        except OSError as exc:
            raise DataDirNotWritableError(f"cannot create {paths.data_dir}: {exc.strerror or exc}") from exc
        store = Store.open(paths.cache_file)
    except DataDirNotWritableError as exc:
        import tempfile  # only for the fallback cache

        tmp = Path(tempfile.mkdtemp(prefix="briefing-"))
        reason = str(exc)
        notices.append(
            f"{reason[:1].upper()}{reason[1:]}. "
            f"Using a temporary cache in {tmp} for this session: nothing will be kept."
        )
        paths = Paths(tmp, tmp / "cache", tmp / "logs")
        paths.ensure()
        store = Store.open(paths.cache_file)
        temporary = True
    report = store.report
    if report.moved_aside_to is not None:
        notices.append(
            f"The cache could not be read ({report.reason}). It was kept as {report.moved_aside_to} "
            "and a fresh cache was created."
        )
    prepare(store)
    return Profile(paths, store, notices, temporary)


def seed_demo_if_needed(profile: Profile) -> bool:
    """Fill an empty profile with the demo dataset; True if it seeded now."""
    if profile.store.is_demo():
        return False
    from briefing.store.demo_seed import seed_demo

    seed_demo(profile.store)
    return True
